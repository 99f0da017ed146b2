using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Api;

/// <summary>Drives the Api as an operator would, for tests that walk a cluster through its life.</summary>
public sealed class ClusterClient(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<Guid> RegisterSandboxClusterAsync(string name)
    {
        var response = await http.PostAsJsonAsync("/api/clusters", new
        {
            name,
            flavor = "mariadb",
            instances = SandboxSettings.Current.MariaDb.Select((e, i) => new { name = $"db{i + 1}", host = e.Host, port = e.Port }),
            adminCredentials = new { user = SandboxSettings.Current.Admin.User, secret = SandboxSettings.Current.Admin.AsNamedSecret().Secret },
            replicationCredentials = new { user = SandboxSettings.Current.Replication.User, secret = SandboxSettings.Current.Replication.AsNamedSecret().Secret },
        });
        await response.AssertStatusAsync(HttpStatusCode.Created);
        return Guid.Parse((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!);
    }

    /// <summary>Runs a lifecycle operation and returns the status code and the body.</summary>
    public async Task<(HttpStatusCode Status, JsonNode Body)> OperateAsync(Guid cluster, string instance, string operation, string? role = null)
    {
        var url = $"/api/clusters/{cluster}/instances/{instance}/{operation}";
        var response = role is null ? await http.PostAsync(url, null) : await http.PostAsJsonAsync(url, new { role });
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public async Task<JsonNode> SucceedAsync(Guid cluster, string instance, string operation, string? role = null)
    {
        var (status, body) = await OperateAsync(cluster, instance, operation, role);
        Assert.True(status == HttpStatusCode.OK, $"{operation} {instance}: {status} {body.ToJsonString()}");
        return body;
    }

    /// <summary>Registers db1 as master and each of <paramref name="replicas"/> as an active replica, and waits until all are OK.</summary>
    public async Task ArrangeMasterAndReplicasAsync(Guid cluster, params string[] replicas)
    {
        await SucceedAsync(cluster, "db1", "register", "master");
        foreach (var replica in replicas)
        {
            await SucceedAsync(cluster, replica, "register", "replica");
            await SucceedAsync(cluster, replica, "activate");
        }
        foreach (var instance in replicas.Prepend("db1")) await WaitForStatusAsync(cluster, instance, "OK");
    }

    /// <summary>Registers db1 as master and db2 as standby, both active (mutual), and waits until both are OK.</summary>
    public async Task ArrangeMutualPairAsync(Guid cluster)
    {
        await SucceedAsync(cluster, "db1", "register", "master");
        await SucceedAsync(cluster, "db2", "register", "standby");
        await SucceedAsync(cluster, "db2", "activate");
        await SucceedAsync(cluster, "db1", "activate");
        await WaitForStatusAsync(cluster, "db1", "OK");
        await WaitForStatusAsync(cluster, "db2", "OK");
    }

    /// <summary>Waits until the monitor has recorded <paramref name="expected"/> for the instance; returns its record.</summary>
    public async Task<JsonNode> WaitForStatusAsync(Guid cluster, string instance, string expected, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(15));
        JsonNode? record = null;
        while (DateTime.UtcNow < deadline)
        {
            var clusters = JsonNode.Parse(await http.GetStringAsync("/api/clusters"))!.AsArray();
            record = clusters.Single(c => (string?)c!["id"] == cluster.ToString())!["instances"]!.AsArray()
                .Single(i => (string?)i!["name"] == instance)!;
            if ((string?)record["status"] == expected) return record;
            await Task.Delay(100);
        }
        throw new TimeoutException($"{instance} did not become {expected}; last record: {record?.ToJsonString()}");
    }

    /// <summary>Creates an API key with <paramref name="role"/>; returns the file (in the temp folder) that holds it.</summary>
    public async Task<string> CreateKeyFileAsync(string name, string role)
    {
        var response = await http.PostAsJsonAsync("/api/keys", new { name, role });
        await response.AssertStatusAsync(HttpStatusCode.Created);
        var file = Path.Combine(Path.GetTempPath(), $"mysqlha-key-{name}-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["secret"]! + "\n");
        return file;
    }

    /// <summary>Waits until the cluster's proxies are told to hold new read-write connections (a switchover's first act).</summary>
    public async Task WaitForTrafficHeldAsync(Guid cluster)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(100))
        {
            var view = JsonNode.Parse(await http.GetStringAsync($"/api/clusters/{cluster}"))!;
            if ((bool)view["switching"]!) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"cluster {cluster} never held its traffic: {view.ToJsonString()}");
        }
    }

    /// <summary>Waits until the operation is no longer running; returns its view (state and every step).</summary>
    public async Task<JsonNode> WaitForOperationEndAsync(Guid operation, TimeSpan? limit = null)
    {
        for (var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(90)); ; await Task.Delay(200))
        {
            var response = await http.GetAsync($"/api/operations/{operation}");
            var view = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())! : null;
            if (view is not null && (string?)view["state"] != "running") return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"operation {operation} did not end: {view?.ToJsonString()}");
        }
    }

    /// <summary>
    /// Waits until operation <paramref name="operation"/> has recorded <paramref name="step"/> (an event name) and
    /// returns its view; an aborted operation, or one still short of the step after 90 s, fails the wait.
    /// </summary>
    public async Task<JsonNode> WaitForStepAsync(Guid operation, string step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            // The operation's stream appears once its saga has started: a 404 until then.
            var response = await http.GetAsync($"/api/operations/{operation}");
            if (response.IsSuccessStatusCode)
            {
                var view = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                if (view["steps"]!.AsArray().Any(s => (string?)s!["event"] == step)) return view;
                if ((string?)view["state"] == "aborted") throw new InvalidOperationException($"the operation aborted: {view.ToJsonString()}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"operation {operation} never reached {step}");
            await Task.Delay(200);
        }
    }
}
