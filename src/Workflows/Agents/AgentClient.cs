using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.Status;

namespace MySqlHa.Workflows.Agents;

public sealed class AgentClientOptions
{
    /// <summary>The file holding the bearer token every agent of ours accepts.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Bound on one agent call that is not itself a wait.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// What an agent answered: success with its body, or the reason it did not do the command. <paramref name="Unreachable"/>:
/// no agent could be reached at all (its lease is gone, or its host refused the connection), as opposed to an agent
/// that answered a refusal or was too slow.
/// </summary>
public sealed record AgentAnswer(bool Succeeded, int Status, JsonNode? Body, string? Failure, bool Unreachable = false)
{
    public string? GtidExecuted => (string?)Body?["outcome"]?["gtidExecuted"];

    public string? BinlogFile => (string?)Body?["outcome"]?["binlogFile"];

    public long? BinlogPosition => (long?)Body?["outcome"]?["binlogPosition"];

    public bool? ReadOnly => (bool?)Body?["outcome"]?["readOnly"];

    /// <summary>The command's own details as the typed record the agent and the controller share.</summary>
    public T? Detail<T>() => Body?["detail"] is { } detail ? detail.Deserialize<T>(JsonSerializerOptions.Web) : default;
}

/// <summary>
/// Sends commands to the agent beside an instance, found through its registration in etcd, with our bearer token
/// and this controller's fencing token. Refuses to send anything while this process does not lead.
/// </summary>
public sealed class AgentClient(EtcdConnection etcd, LeaderElection election, AgentClientOptions options, IHttpClientFactory clients)
{
    private readonly Lazy<string> _token = new(() => options.TokenFile.Length == 0
        ? throw new InvalidOperationException("MySqlHa:Agents:TokenFile is not set, so no agent can be commanded.")
        : File.ReadAllText(options.TokenFile).Trim());

    /// <summary>False when no agent token is configured: nothing that needs the agents can run.</summary>
    public bool Configured => options.TokenFile.Length > 0;

    public async Task<AgentAnswer> CommandAsync(string cluster, string instance, string command, object body,
        TimeSpan? timeout, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"commands/{command}") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        return await SendAsync(cluster, instance, request, timeout, cancellation);
    }

    /// <summary>The agent's snapshot of its server, or null when the agent or its mysqld does not answer.</summary>
    public async Task<ServerSnapshot?> StatusAsync(string cluster, string instance, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        var answer = await SendAsync(cluster, instance, request, null, cancellation);
        return answer.Succeeded ? answer.Body.Deserialize<ServerSnapshot>(JsonSerializerOptions.Web) : null;
    }

    private async Task<AgentAnswer> SendAsync(string cluster, string instance, HttpRequestMessage request, TimeSpan? timeout, CancellationToken cancellation)
    {
        var term = election.Lead();
        string registration;
        try
        {
            registration = await etcd.Client.GetValAsync(etcd.Keys.Agent(cluster, instance), deadline: etcd.Deadline(), cancellationToken: cancellation);
        }
        catch (Grpc.Core.RpcException e)
        {
            return new AgentAnswer(false, 0, null, $"etcd cannot be read to find {instance}'s agent: {e.Status.Detail}");
        }
        if (registration.Length == 0)
            return new AgentAnswer(false, 0, null, $"no agent is registered for {cluster}/{instance} (its lease is gone: the host or the agent is down)", Unreachable: true);
        var url = (string?)JsonNode.Parse(registration)?["agentUrl"];
        using var http = clients.CreateClient("agents");
        http.Timeout = (timeout ?? TimeSpan.Zero) + options.CallTimeout;
        request.RequestUri = new Uri(new Uri(url!.TrimEnd('/') + "/"), request.RequestUri!.ToString());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token.Value);
        request.Headers.Add("X-Fencing-Token", term.FencingToken.ToString());
        // Checked again at the moment of sending: finding the agent may have outlasted the term.
        if (!term.Holds) throw new NotLeadingException();
        try
        {
            using var response = await http.SendAsync(request, cancellation);
            var text = await response.Content.ReadAsStringAsync(cancellation);
            var answer = text.Length == 0 ? null : JsonNode.Parse(text);
            return response.IsSuccessStatusCode
                ? new AgentAnswer(true, (int)response.StatusCode, answer, null)
                : new AgentAnswer(false, (int)response.StatusCode, answer, $"{instance}'s agent answered {(int)response.StatusCode}: {(string?)answer?["detail"] ?? (string?)answer?["title"] ?? text}");
        }
        catch (HttpRequestException e) when (!cancellation.IsCancellationRequested)
        {
            return new AgentAnswer(false, 0, null, $"{instance}'s agent at {url} cannot be reached: {e.Message}", Unreachable: e.HttpRequestError == HttpRequestError.ConnectionError);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            return new AgentAnswer(false, 0, null, $"{instance}'s agent at {url} did not answer: {e.Message}");
        }
    }
}

