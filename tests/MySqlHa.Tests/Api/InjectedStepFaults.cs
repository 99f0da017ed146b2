using System.Collections.Concurrent;
using Wolverine;

namespace MySqlHa.Tests.Api;

/// <summary>
/// Wolverine middleware on every saga message of the test Api: a message type given a fault throws it, every time,
/// until the fault is removed. It stands for what no test can provoke on purpose (a bug, an answer nobody expected).
/// </summary>
public static class InjectedStepFaults
{
    private static readonly ConcurrentDictionary<Type, Func<Exception>> Planned = new();

    /// <summary>Messages of <typeparamref name="TMessage"/> throw what <paramref name="fault"/> makes until the answer is disposed.</summary>
    public static IDisposable Throw<TMessage>(Func<Exception>? fault = null)
    {
        Planned[typeof(TMessage)] = fault ?? (() => new InjectedStepFaultException(typeof(TMessage).Name));
        return new Removal(typeof(TMessage));
    }

    public static bool AppliesTo(Type messageType) => messageType.Namespace is "MySqlHa.Workflows.Switchover" or "MySqlHa.Workflows.Failover";

    public static void Before(Envelope envelope)
    {
        if (envelope.Message is { } message && Planned.TryGetValue(message.GetType(), out var fault)) throw fault();
    }

    private sealed class Removal(Type messageType) : IDisposable
    {
        public void Dispose() => Planned.TryRemove(messageType, out _);
    }
}

public sealed class InjectedStepFaultException(string messageType) : Exception($"a fault injected by the test into {messageType}");
