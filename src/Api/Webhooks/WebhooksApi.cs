using MySqlHa.Api.Security;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Workflows.Clusters;
using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Api.Webhooks;

/// <summary>Webhook subscriptions: create (the secret shown once), read, replace, delete, resume, and their delivery log.</summary>
public static class WebhooksApi
{
    private const int MaxDeliveriesListed = 500;

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var webhooks = endpoints.MapGroup("/api/webhooks").WithTags("Webhooks").RequireAuthorization(Roles.Admin);
        webhooks.MapPost("/", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to events (types or patterns, optionally of one cluster). The answer holds the signing secret, shown this once.");
        webhooks.MapGet("/", ListAsync).WithName("ListWebhooks");
        webhooks.MapGet("/{id:guid}", GetAsync).WithName("GetWebhook")
            .WithSummary("The subscription without its secret, with its failures and, when paused, why.");
        webhooks.MapPut("/{id:guid}", ReplaceAsync).WithName("ReplaceWebhook")
            .WithSummary("Change the URL, the event patterns or the cluster; the secret stays.");
        webhooks.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteWebhook")
            .WithSummary("Stop delivering to it, and forget its delivery log.");
        webhooks.MapPost("/{id:guid}/resume", ResumeAsync).WithName("ResumeWebhook")
            .WithSummary("Deliver again after a pause: the held deliveries go first, in order.");
        webhooks.MapGet("/{id:guid}/deliveries", ListDeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("Newest first (?status=pending or delivered, ?limit= up to 500, default 100): attempts, last response code and error, times.");
        return endpoints;
    }

    public static async Task<Results<Created<WebhookSubscriptionCreated>, ValidationProblem>> CreateAsync(WebhookSubscriptionRequest request,
        IDocumentStore store, TimeProvider clock, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        if (await ProblemsAsync(request, session, cancellation) is { } problem) return problem;

        var startsAfter = await store.Storage.Database.FetchHighestEventSequenceNumber(cancellation);
        var subscription = new WebhookSubscription(Guid.CreateVersion7(), request.Url!, request.Events!, request.ClusterId,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), startsAfter, clock.GetUtcNow());
        session.Insert(subscription);
        await session.SaveChangesAsync(cancellation);
        return TypedResults.Created($"/api/webhooks/{subscription.Id}",
            new WebhookSubscriptionCreated(WebhookSubscriptionView.From(subscription), subscription.Secret));
    }

    public static async Task<Ok<IReadOnlyList<WebhookSubscriptionView>>> ListAsync(IQuerySession session, CancellationToken cancellation)
    {
        var subscriptions = await session.Query<WebhookSubscription>().OrderBy(s => s.CreatedAt).ToListAsync(cancellation);
        return TypedResults.Ok<IReadOnlyList<WebhookSubscriptionView>>(subscriptions.Select(WebhookSubscriptionView.From).ToList());
    }

    public static async Task<Results<Ok<WebhookSubscriptionView>, ProblemHttpResult>> GetAsync(Guid id, IQuerySession session, CancellationToken cancellation) =>
        await session.LoadAsync<WebhookSubscription>(id, cancellation) is { } subscription
            ? TypedResults.Ok(WebhookSubscriptionView.From(subscription))
            : NoSuchWebhook(id);

    public static async Task<Results<Ok<WebhookSubscriptionView>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(Guid id,
        WebhookSubscriptionRequest request, IQuerySession session, WebhookSubscriptions subscriptions, TimeProvider clock, CancellationToken cancellation)
    {
        if (await ProblemsAsync(request, session, cancellation) is { } problem) return problem;
        var replaced = await subscriptions.UpdateAsync(id, current => current with
        {
            Url = request.Url!, Events = request.Events!, ClusterId = request.ClusterId, UpdatedAt = clock.GetUtcNow(),
        }, cancellation);
        return replaced is null ? NoSuchWebhook(id) : TypedResults.Ok(WebhookSubscriptionView.From(replaced));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, IDocumentStore store, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<WebhookSubscription>(id, cancellation) is null) return NoSuchWebhook(id);
        session.Delete<WebhookSubscription>(id);
        session.DeleteWhere<WebhookDelivery>(delivery => delivery.SubscriptionId == id);
        await session.SaveChangesAsync(cancellation);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<WebhookSubscriptionView>, ProblemHttpResult>> ResumeAsync(Guid id, IQuerySession session,
        WebhookSubscriptions subscriptions, TimeProvider clock, CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        // The held deliveries that failed before are due at once, rather than at the end of their last backoff.
        var held = await session.Query<WebhookDelivery>()
            .Where(d => d.SubscriptionId == id && d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt > now).ToListAsync(cancellation);
        var resumed = await subscriptions.UpdateAsync(id, current => current with
        {
            PausedAt = null, PausedReason = null, ConsecutiveFailures = 0, FailingSince = null, UpdatedAt = now,
        }, cancellation, also => also.Store(held.Select(d => d with { NextAttemptAt = now }).ToArray()));
        return resumed is null ? NoSuchWebhook(id) : TypedResults.Ok(WebhookSubscriptionView.From(resumed));
    }

    public static async Task<Results<Ok<IReadOnlyList<WebhookDeliveryView>>, ValidationProblem, ProblemHttpResult>> ListDeliveriesAsync(Guid id,
        WebhookDeliveryStatus? status, int? limit, IQuerySession session, CancellationToken cancellation)
    {
        if (limit is < 1 or > MaxDeliveriesListed)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxDeliveriesListed}."] },
                title: "The delivery query is not valid.");
        if (await session.LoadAsync<WebhookSubscription>(id, cancellation) is null) return NoSuchWebhook(id);
        var query = session.Query<WebhookDelivery>().Where(d => d.SubscriptionId == id);
        if (status is { } wanted) query = query.Where(d => d.Status == wanted);
        var deliveries = await query.OrderByDescending(d => d.Sequence).Take(limit ?? 100).ToListAsync(cancellation);
        return TypedResults.Ok<IReadOnlyList<WebhookDeliveryView>>(deliveries.Select(WebhookDeliveryView.From).ToList());
    }

    private static async Task<ValidationProblem?> ProblemsAsync(WebhookSubscriptionRequest request, IQuerySession session, CancellationToken cancellation)
    {
        var errors = request.Validate();
        if (request.ClusterId is { } clusterId && await session.LoadAsync<Cluster>(clusterId, cancellation) is null)
            errors["clusterId"] = [$"No cluster has the id {clusterId}."];
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors, title: "The webhook subscription is not valid.") : null;
    }

    private static ProblemHttpResult NoSuchWebhook(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such webhook subscription.", detail: $"No webhook subscription has the id {id}.");
}
