using JasperFx.Events;
using Marten;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Api.Operations;

/// <summary>One operation: its cluster, kind, when it began, its state, and its last event (the outcome once it ended).</summary>
public sealed record OperationSummary(Guid Id, Guid ClusterId, string Kind, DateTimeOffset StartedAt, string State, string LastEvent, object? Last);

/// <summary>Which operations to list; null means any.</summary>
public sealed record OperationFilter(Guid? Cluster, string? Kind, string? State);

/// <summary>The operations listing shared by the cluster's and the cross-cluster endpoints, oldest first.</summary>
public static class OperationSummaries
{
    /// <summary>What is wrong with the kind and state asked for, by parameter; empty when both are known.</summary>
    public static Dictionary<string, string[]> Validate(string? kind, string? state)
    {
        var errors = new Dictionary<string, string[]>();
        if (kind is not null && !OperationKind.All.Contains(kind)) errors["kind"] = [$"One of: {string.Join(", ", OperationKind.All)}."];
        if (state is not null && !OperationStates.Filterable.Contains(state)) errors["state"] = [$"One of: {string.Join(", ", OperationStates.Filterable)}."];
        return errors;
    }

    /// <summary>
    /// The operations are found by the <see cref="OperationStarted"/> events on the clusters' streams; each one's state
    /// and last event come from its own stream, all read in one query.
    /// </summary>
    public static async Task<List<OperationSummary>> ListAsync(IQuerySession session, OperationFilter filter, CancellationToken cancellation)
    {
        IQueryable<OperationStarted> started = session.Events.QueryRawEventDataOnly<OperationStarted>();
        if (filter.Cluster is { } cluster) started = started.Where(o => o.ClusterId == cluster);
        if (filter.Kind is { } kind) started = started.Where(o => o.Kind == kind);
        var operations = await started.OrderBy(o => o.StartedAt).ToListAsync(cancellation);
        if (operations.Count == 0) return [];

        var ids = operations.Select(o => o.OperationId).ToArray();
        var events = await session.Events.QueryAllRawEvents().Where(e => e.StreamId.IsOneOf(ids)).OrderBy(e => e.Sequence).ToListAsync(cancellation);
        var lastEvents = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => g.Last());
        return operations
            .Select(o => Summarize(o, lastEvents.GetValueOrDefault(o.OperationId)))
            .Where(s => filter.State is null || s.State == filter.State)
            .ToList();
    }

    private static OperationSummary Summarize(OperationStarted started, IEvent? last) =>
        new(started.OperationId, started.ClusterId, started.Kind, started.StartedAt,
            last is null ? OperationStates.NotStarted : OperationStates.Of(last.Data), last?.Data.GetType().Name ?? "", last?.Data);
}
