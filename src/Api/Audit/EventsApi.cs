using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MySqlHa.Api.Hosting;
using MySqlHa.Workflows.Audit;

namespace MySqlHa.Api.Audit;

/// <summary>
/// The query string of <c>GET /api/events</c>, read as text so that every malformed value is named in the answer
/// (a typed binding would refuse it with a bare 400).
/// </summary>
public sealed record EventsQuery(
    [FromQuery(Name = "cluster")] string? Cluster,
    [FromQuery(Name = "operation")] string? Operation,
    [FromQuery(Name = "type")] string? Type,
    [FromQuery(Name = "instance")] string? Instance,
    [FromQuery(Name = "actor")] string? Actor,
    [FromQuery(Name = "from")] string? From,
    [FromQuery(Name = "to")] string? To,
    [FromQuery(Name = "order")] string? Order,
    [FromQuery(Name = "limit")] string? Limit,
    [FromQuery(Name = "cursor")] string? Cursor);

/// <summary><paramref name="Next"/> is the cursor of the following page, null on the last one.</summary>
public sealed record EventsPage(IReadOnlyList<AuditEvent> Events, string? Next);

/// <summary>Audit queries over the event store: who did what to which cluster, operation and instance, and when.</summary>
public static class EventsApi
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/events", ListAsync).WithTags("Audit").WithName("ListEvents")
            .WithSummary($"Recorded events, newest first (order=desc, the default) or oldest first (order=asc), {DefaultLimit} a page (limit, at most {MaxLimit}); " +
                         "filters: cluster (id; its own events and its operations'), operation (id), type (stored name, e.g. switchover_completed), " +
                         "instance (name, in any field of the event), actor, from (inclusive) and to (exclusive) as ISO 8601 times. " +
                         "Each event comes with its data as stored. Pass the page's next as cursor for the following page.");
        return endpoints;
    }

    public static async Task<Results<Ok<EventsPage>, ValidationProblem>> ListAsync([AsParameters] EventsQuery request, AuditLog log,
        CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var cluster = QueryParameters.ParseId(request.Cluster, "cluster", errors);
        var operation = QueryParameters.ParseId(request.Operation, "operation", errors);
        var from = ParseTime(request.From, "from", errors);
        var to = ParseTime(request.To, "to", errors);
        if (from > to) errors["to"] = ["Must not be before from."];
        var order = request.Order?.ToLowerInvariant() switch
        {
            null or "desc" => AuditOrder.NewestFirst,
            "asc" => AuditOrder.OldestFirst,
            _ => (AuditOrder?)null,
        };
        if (order is null) errors["order"] = ["asc (oldest first) or desc (newest first)."];
        var limit = DefaultLimit;
        if (request.Limit is not null && (!int.TryParse(request.Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors["limit"] = [$"A whole number from 1 to {MaxLimit}."];
        long? after = null;
        if (request.Cursor is not null && order is not null)
        {
            (after, var cursorError) = AuditCursor.Decode(request.Cursor, order.Value);
            if (cursorError is not null) errors["cursor"] = [cursorError];
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The event query is not valid.");

        var filter = new AuditFilter(cluster, operation, Blank(request.Type), Blank(request.Instance), Blank(request.Actor), from, to);
        var page = await log.PageAsync(new AuditQuery(filter, order!.Value, after, limit), cancellation);
        return TypedResults.Ok(new EventsPage(page.Events, page.More ? AuditCursor.Encode(order.Value, page.Events[^1].Sequence) : null));
    }

    private static DateTimeOffset? ParseTime(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return time;
        errors[name] = [$"'{value}' is not an ISO 8601 time (e.g. 2026-11-30T23:00:00Z)."];
        return null;
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
