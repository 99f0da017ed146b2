namespace MySqlHa.Workflows.Agents;

public sealed class AgentClientOptions
{
    /// <summary>The file holding the bearer token every agent of ours accepts.</summary>
    public string TokenFile { get; set; } = "";

    /// <summary>Bound on one agent call that is not itself a wait.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
