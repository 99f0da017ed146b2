using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Clusters;
using Weasel.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using MySqlHa.Coordination.Election;
using MySqlHa.Workflows.Operations;

namespace MySqlHa.Workflows.Persistence;

public static class PersistenceSetup
{
    /// <summary>Marten as event store and document store, wired into Wolverine's outbox and saga storage.</summary>
    public static IServiceCollection AddMySqlHaPersistence(this IServiceCollection services, string connectionString, string schema = "mysqlha")
    {
        services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                options.Events.StreamIdentity = StreamIdentity.AsGuid;
                options.Events.MetadataConfig.HeadersEnabled = true;
                options.ConfigureClusters();
            })
            .UseLightweightSessions()
            .IntegrateWithWolverine(integration => integration.MessageStorageSchemaName = schema);
        return services;
    }

    /// <summary>The Wolverine settings every MySqlHa host shares.</summary>
    public static WolverineOptions UseMySqlHaDefaults(this WolverineOptions options)
    {
        options.Discovery.IncludeAssembly(typeof(PersistenceSetup).Assembly);
        options.Policies.AutoApplyTransactions();
        options.Policies.UseDurableLocalQueues();
        options.Policies.UseDurableInboxOnAllListeners();
        options.Policies.UseDurableOutboxOnAllSendingEndpoints();
        // Every rule ends the same way: a step that still fails is dead-lettered and its saga told, so that the
        // operation ends (aborted before promotion, needing attention after) instead of holding its cluster.
        // Two writers to one saga or stream: the loser tries again on the fresh state.
        options.OnException<ConcurrencyException>().RetryTimes(3).ThenEndTheOperation();
        // A step that finds this process no longer leading waits for leadership to settle (here or elsewhere).
        options.OnException<NotLeadingException>().ScheduleRetry(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30))
            .ThenEndTheOperation();
        // etcd or PostgreSQL out of reach for a moment: try the step again rather than leave the operation hanging.
        options.OnException<Grpc.Core.RpcException>().Or<Npgsql.NpgsqlException>().ScheduleRetry(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30))
            .ThenEndTheOperation();
        // Anything else (a bug, an answer we did not expect): steps are idempotent, so twice more, then the end.
        options.OnAnyException().RetryWithCooldown(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)).ThenEndTheOperation();
        return options;
    }
}
