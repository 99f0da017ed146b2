using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MySqlHa.Workflows.Actors;
using MySqlHa.Workflows.Audit;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Restores;
using MySqlHa.Workflows.Clusters;
using Npgsql;
using Weasel.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using MySqlHa.Workflows.Operations;
using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Workflows.Persistence;

public static class PersistenceSetup
{
    /// <summary>
    /// Marten as event store and document store, wired into Wolverine's outbox and saga storage, with the async daemon
    /// running its subscriptions: <see cref="DaemonMode.Solo"/> for a single process, <see cref="DaemonMode.HotCold"/>
    /// where several processes share the store (one of them runs it, through a PostgreSQL advisory lock).
    /// </summary>
    public static IServiceCollection AddMySqlHaPersistence(this IServiceCollection services, string connectionString, string schema = "mysqlha",
        DaemonMode daemonMode = DaemonMode.Solo)
    {
        services.AddMarten(options => options.ConfigureMySqlHaStore(connectionString, schema))
            .UseLightweightSessions()
            .AddAsyncDaemon(daemonMode)
            .AddWebhookFanOut()
            .IntegrateWithWolverine(integration => integration.MessageStorageSchemaName = schema);
        services.AddSingleton(new AuditLog(NpgsqlDataSource.Create(connectionString), schema));
        // Registered here, before the monitor and the sagas' hosts: the audit index exists before the first event is appended.
        services.AddHostedService<AuditIndexSetup>();
        return services;
    }

    /// <summary>The store's settings: every document, event and projection, the same in every process that opens it.</summary>
    public static StoreOptions ConfigureMySqlHaStore(this StoreOptions options, string connectionString, string schema)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = schema;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString);
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.MetadataConfig.HeadersEnabled = true;
        // Every event names its actor (an API key's name, a token's subject, or the controller itself).
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.ConfigureClusters();
        options.ConfigureBackups();
        options.ConfigureRestores();
        options.ConfigureWebhooks();
        options.ConfigureAudit();
        // The sagas' documents are known from the start, so that their tables are made and checked with the rest at
        // startup: otherwise the first failover after a start waited on its table's schema check (about 0.1 s).
        foreach (var saga in typeof(PersistenceSetup).Assembly.GetTypes().Where(type => type.IsSubclassOf(typeof(Saga))))
            options.RegisterDocumentType(saga);
        return options;
    }

    /// <summary>The Wolverine settings every MySqlHa host shares.</summary>
    public static WolverineOptions UseMySqlHaDefaults(this WolverineOptions options)
    {
        options.Discovery.IncludeAssembly(typeof(PersistenceSetup).Assembly);
        options.Policies.AutoApplyTransactions();
        // The caller's name travels from the HTTP request through every message a saga sends, onto its events.
        options.EnableRelayOfUserName = true;
        options.Policies.AddMiddleware(typeof(ActorFromEnvelope));
        options.Policies.UseDurableLocalQueues();
        options.Policies.UseDurableInboxOnAllListeners();
        options.Policies.UseDurableOutboxOnAllSendingEndpoints();
        options.AddTransientFailureRules();
        options.Policies.Add<StepFailurePolicy>();
        // The sagas look at their agents' jobs every second and wait on scheduled steps: a durable scheduled message
        // runs when Wolverine next polls its store for due ones, every 5 s by default, which made a backup's end
        // seen up to 4.4 s after its job ended (scripts/bench-backup.sh). A poll is one indexed query.
        options.Durability.ScheduledJobPollingTime = TimeSpan.FromMilliseconds(500);
        return options;
    }
}
