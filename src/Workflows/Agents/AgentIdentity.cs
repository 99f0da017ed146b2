namespace MySqlHa.Workflows.Agents;

/// <summary>Who an agent must be for the controller to send it its token: its token and the address configured for it.</summary>
public sealed class AgentIdentity(AgentClientOptions options)
{
    /// <summary>
    /// The bearer token for the agent of <paramref name="instance"/>: its own file when there is one, else the shared
    /// one; null when neither is configured.
    /// </summary>
    public string? TokenFor(string cluster, string instance)
    {
        var own = options.TokenFolder.Length == 0 ? null : Path.Combine(options.TokenFolder, $"{cluster}.{instance}.token");
        if (own is not null && File.Exists(own)) return File.ReadAllText(own).Trim();
        return options.TokenFile.Length > 0 ? File.ReadAllText(options.TokenFile).Trim() : null;
    }

    /// <summary>Why the address <paramref name="registered"/> in etcd must not be used for this agent, or null when it may.</summary>
    public string? Refusal(string cluster, string instance, string registered)
    {
        if (!options.Addresses.TryGetValue($"{cluster}.{instance}", out var configured))
            return options.RequireAddresses ? $"no address is configured for {cluster}/{instance}'s agent (MySqlHa:Agents:Addresses), and one is required" : null;
        return SameOrigin(configured, registered) ? null
            : $"{cluster}/{instance}'s agent registered at {registered}, not at its configured address {configured}: refused";
    }

    private static bool SameOrigin(string configured, string registered) =>
        Uri.TryCreate(configured, UriKind.Absolute, out var expected) && Uri.TryCreate(registered, UriKind.Absolute, out var actual)
        && expected.Scheme == actual.Scheme && string.Equals(expected.Host, actual.Host, StringComparison.OrdinalIgnoreCase)
        && expected.Port == actual.Port;
}
