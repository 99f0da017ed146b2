namespace MySqlHa.Workflows.Agents;

public sealed class AgentClientOptions
{
    /// <summary>The file holding the bearer token the agents accept, for the agents that have no token of their own.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>
    /// A folder of per-agent tokens, one file per agent named <c>{cluster}.{instance}.token</c>: an agent with a file
    /// there gets its own token, so that a token taken from one host opens no other agent.
    /// </summary>
    public string TokenFolder { get; set; } = "";

    /// <summary>The CA (PEM) that signed the agents' HTTPS certificates; trusted for agent calls only.</summary>
    public string CaFile { get; set; } = "";

    /// <summary>
    /// Each agent's own address (<c>{cluster}.{instance}</c> → its URL, https://db1.example:7100 say): the address an
    /// agent registers in etcd is used only when it is this one, so that whoever can write to etcd cannot send the
    /// controller's token and commands to a host of their choosing.
    /// </summary>
    public Dictionary<string, string> Addresses { get; set; } = [];

    /// <summary>Refuse every agent that has no configured address (production); otherwise those agents are trusted as registered.</summary>
    public bool RequireAddresses { get; set; }

    /// <summary>Bound on one agent call that is not itself a wait.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>True when some token is configured, so that the agents can be commanded at all.</summary>
    public bool AnyToken => TokenFile.Length > 0 || TokenFolder.Length > 0;

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Problem()
    {
        if (TokenFile.Length > 0 && !File.Exists(TokenFile)) return $"TokenFile '{TokenFile}' does not exist";
        if (TokenFolder.Length > 0 && !Directory.Exists(TokenFolder)) return $"TokenFolder '{TokenFolder}' is not a folder";
        if (CaFile.Length > 0 && !File.Exists(CaFile)) return $"CaFile '{CaFile}' does not exist";
        foreach (var (agent, address) in Addresses)
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                return $"Addresses:{agent} '{address}' is not an http(s) URL";
        return null;
    }
}
