using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Marten;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;
using MySqlHa.Workflows.Failover;
using MySqlHa.Workflows.Persistence;

namespace MySqlHa.Tests.Webhooks;

/// <summary>
/// An Api process of its own (schema, etcd prefix) with fast webhook retries, the sandbox cluster registered in it, and
/// the calls the webhook tests make. Events are made by changing the cluster's failover policy: each change appends one
/// FailoverPolicyChanged whose block period (in seconds) numbers it.
/// </summary>
public sealed class WebhookRig : IAsyncLifetime
{
    public const string Schema = "test_webhooks";

    private const string EtcdPrefix = "/mysqlha-test-webhooks";

    public const int PauseAfterFailures = 4;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["MySqlHa__Webhooks__PollInterval"] = "00:00:00.100",
        ["MySqlHa__Webhooks__FirstRetryDelay"] = "00:00:00.200",
        ["MySqlHa__Webhooks__MaxRetryDelay"] = "00:00:00.800",
        ["MySqlHa__Webhooks__AttemptTimeout"] = "00:00:05",
        ["MySqlHa__Webhooks__PauseAfterFailures"] = PauseAfterFailures.ToString(),
    };

    public ServiceProcess Api { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public Guid Cluster { get; private set; }

    public async Task InitializeAsync()
    {
        SandboxReplication.Reset();
        await ApiProcess.DropSchemaAsync(Schema);
        await StartApiAsync();
        Cluster = await new ClusterClient(Http).RegisterSandboxClusterAsync("hooked");
    }

    public async Task StartApiAsync()
    {
        var (process, client) = await ApiProcess.StartAsync(EtcdPrefix, Schema, settings: Settings);
        Api = process;
        Http = client.Http;
    }

    public Task DisposeAsync()
    {
        Api.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Subscribes the receiver to this cluster's failover policy changes; answers the id and the secret.</summary>
    public async Task<(Guid Id, string Secret)> SubscribeAsync(WebhookReceiver receiver)
    {
        var response = await Http.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = new[] { "FailoverPolicy*" }, clusterId = Cluster });
        await response.AssertStatusAsync(HttpStatusCode.Created);
        var created = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (Guid.Parse((string)created["subscription"]!["id"]!), (string)created["secret"]!);
    }

    public async Task DeleteAsync(Guid subscription) =>
        await (await Http.DeleteAsync($"/api/webhooks/{subscription}")).AssertStatusAsync(HttpStatusCode.NoContent);

    public async Task<JsonNode> GetAsync(string path)
    {
        var response = await Http.GetAsync(path);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>Appends the event numbered <paramref name="number"/> through the Api.</summary>
    public async Task ChangePolicyAsync(int number)
    {
        var response = await Http.PutAsJsonAsync($"/api/clusters/{Cluster}/failover-policy",
            new { automatic = false, blockPeriodSeconds = number, relayLogTimeoutSeconds = 30 });
        await response.AssertStatusAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// Appends the event numbered <paramref name="number"/> straight to the store, as <paramref name="actor"/>: the way
    /// to record an event while the Api is down.
    /// </summary>
    public async Task AppendPolicyChangeAsync(int number, string actor)
    {
        await using var store = DocumentStore.For(options => options.ConfigureMySqlHaStore(SandboxSettings.Current.Postgres, Schema));
        await using var session = store.LightweightSession();
        session.LastModifiedBy = actor;
        var cluster = await session.LoadAsync<Workflows.Clusters.Cluster>(Cluster);
        session.Events.Append(Cluster, cluster!.Version + 1, new FailoverPolicyChanged(Cluster,
            cluster.FailoverPolicy with { BlockPeriod = TimeSpan.FromSeconds(number) }, DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
    }

    /// <summary>The number a delivered FailoverPolicyChanged carries (its block period, "00:00:07" for 7).</summary>
    public static int Number(ReceivedDelivery delivery) =>
        (int)TimeSpan.Parse((string)delivery.Json["data"]!["policy"]!["blockPeriod"]!).TotalSeconds;

    /// <summary>The numbers of the deliveries the receiver accepted, in arrival order.</summary>
    public static List<int> AcceptedNumbers(WebhookReceiver receiver) => receiver.Accepted.Select(Number).ToList();

    /// <summary>Computed here, independently of the Api's code: sha256= and the hex HMAC-SHA256 of "{timestamp}.{body}".</summary>
    public static string ExpectedSignature(string secret, ReceivedDelivery delivery) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{delivery.Timestamp}.{delivery.Body}")));
}
