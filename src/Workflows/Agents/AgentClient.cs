using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Status;

namespace MySqlHa.Workflows.Agents;

/// <summary>
/// Sends commands to the agent beside an instance, found through its registration in etcd, with our bearer token
/// and this controller's fencing token. Refuses to send anything while this process does not lead. Requests and
/// answers are the records of <see cref="MySqlHa.Replication.AgentContract"/>, as JSON with the web defaults.
/// </summary>
public sealed partial class AgentClient(EtcdConnection etcd, LeaderElection election, AgentClientOptions options, AgentIdentity identity,
    IHttpClientFactory clients)
{
    /// <summary>Why nothing that needs the agents can run when <see cref="Configured"/> is false.</summary>
    public const string NotConfiguredReason = "Neither MySqlHa:Agents:TokenFile nor MySqlHa:Agents:TokenFolder is set, so this Api cannot command the agents.";

    private static readonly TimeSpan ReachabilityTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>False when no agent token is configured: nothing that needs the agents can run.</summary>
    public bool Configured => options.AnyToken;

    /// <summary>The agent's snapshot of its server, or null when the agent or its mysqld does not answer.</summary>
    public async Task<ServerSnapshot?> StatusAsync(string cluster, string instance, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        var reply = await SendAsync<ServerSnapshot>(cluster, instance, request, null, cancellation);
        return reply.Succeeded ? reply.Body : null;
    }

    /// <summary>
    /// Whether nothing answers at the agent's registered address (the connection is refused, or no route leads to the
    /// host): the agent is gone, whatever its registration still says until its lease runs out. An agent that does
    /// not answer within <see cref="ReachabilityTimeout"/> is slow or hung, not unreachable (and neither is a host
    /// that drops packets: its lease tells).
    /// </summary>
    public async Task<bool> UnreachableAsync(string cluster, string instance, CancellationToken cancellation)
    {
        using var quick = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        quick.CancelAfter(ReachabilityTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "status");
        try
        {
            return (await SendAsync<ServerSnapshot>(cluster, instance, request, null, quick.Token)).Unreachable;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task<AgentAnswer<TDetail>> CommandAsync<TRequest, TDetail>(string cluster, string instance, string command, TRequest body,
        TimeSpan? timeout, CancellationToken cancellation)
        where TDetail : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"commands/{command}") { Content = JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        var reply = await SendAsync<AgentCommandResult<TDetail>>(cluster, instance, request, timeout, cancellation);
        return new AgentAnswer<TDetail>(reply.Succeeded, reply.Status, reply.Body, reply.Failure, reply.Unreachable);
    }

    private async Task<AgentReply<T>> SendAsync<T>(string cluster, string instance, HttpRequestMessage request, TimeSpan? timeout, CancellationToken cancellation)
        where T : class
    {
        var term = election.Lead();
        string registration;
        try
        {
            registration = await etcd.Client.GetValAsync(etcd.Keys.Agent(cluster, instance), deadline: etcd.Deadline(), cancellationToken: cancellation);
        }
        catch (Grpc.Core.RpcException e)
        {
            return new(false, 0, null, $"etcd cannot be read to find {instance}'s agent: {e.Status.Detail}");
        }
        if (registration.Length == 0)
            return new(false, 0, null, $"no agent is registered for {cluster}/{instance} (its lease is gone: the host or the agent is down)", Unreachable: true);
        var url = JsonSerializer.Deserialize<AgentRegistrationRecord>(registration, JsonSerializerOptions.Web)!.AgentUrl;
        if (identity.Refusal(cluster, instance, url) is { } refusal) return new(false, 0, null, refusal);
        if (identity.TokenFor(cluster, instance) is not { } token)
            return new(false, 0, null, $"no token is configured for {cluster}/{instance}'s agent (no {cluster}.{instance}.token in MySqlHa:Agents:TokenFolder, and no TokenFile)");
        using var http = clients.CreateClient("agents");
        http.Timeout = (timeout ?? TimeSpan.Zero) + options.CallTimeout;
        request.RequestUri = new Uri(new Uri(url.TrimEnd('/') + "/"), request.RequestUri!.ToString());
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("X-Fencing-Token", term.FencingToken.ToString());
        // Checked again at the moment of sending: finding the agent may have outlasted the term.
        if (!term.Holds) throw new NotLeadingException();
        try
        {
            using var response = await http.SendAsync(request, cancellation);
            var text = await response.Content.ReadAsStringAsync(cancellation);
            if (response.IsSuccessStatusCode)
                return new(true, (int)response.StatusCode, text.Length == 0 ? null : JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web), null);
            var problem = text.Length == 0 ? null : JsonSerializer.Deserialize<Problem>(text, JsonSerializerOptions.Web);
            return new(false, (int)response.StatusCode, null, $"{instance}'s agent answered {(int)response.StatusCode}: {problem?.Detail ?? problem?.Title ?? text}");
        }
        catch (HttpRequestException e) when (!cancellation.IsCancellationRequested)
        {
            return new(false, 0, null, $"{instance}'s agent at {url} cannot be reached: {e.Message}", Unreachable: e.HttpRequestError == HttpRequestError.ConnectionError);
        }
        catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
        {
            return new(false, 0, null, $"{instance}'s agent at {url} did not answer: {e.Message}");
        }
    }

    /// <summary>The fields of the agent's refusals (RFC 9457 problem details) that say why.</summary>
    private sealed record Problem(string? Title, string? Detail);
}
