using MySqlHa.Replication.Commands;
using MySqlHa.Workflows.Clusters;

namespace MySqlHa.Workflows.Lifecycle;

/// <summary>What an allowed operation does to a server before it is recorded; null when it changes only our records.</summary>
public abstract record ServerAction(string Instance);

public sealed record StartReplicatingFrom(string Instance, string Source) : ServerAction(Instance);

public sealed record StopReplication(string Instance, bool ForgetSource) : ServerAction(Instance);

public sealed record StartReplicationThreads(string Instance) : ServerAction(Instance);

public sealed record SetReadOnly(string Instance, bool ReadOnly) : ServerAction(Instance);

/// <summary>Either the reason an operation is refused (a 409 for the caller), or what it does to the server.</summary>
public sealed record LifecycleDecision(string? Refusal, ServerAction? Action)
{
    public static LifecycleDecision Refuse(string reason) => new(reason, null);

    public static LifecycleDecision Allow(ServerAction? action = null) => new(null, action);
}

/// <summary>
/// One of LAIN's paired operations on an instance (register/unregister, activate/detach, pause/resume).
/// <see cref="Decide"/> is pure: it reads our records and says whether and how; <see cref="Recorded"/> makes the
/// event from what the server reported once the action was done.
/// </summary>
public interface ILifecycleOperation
{
    string Instance { get; }

    LifecycleDecision Decide(Cluster cluster);

    object Recorded(Cluster cluster, CommandOutcome? outcome, DateTimeOffset now);
}
