using System.Text.Json.Serialization;

namespace MySqlHa.Replication.AgentContract;

/// <summary>How an agent proved that its server can no longer take writes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FenceProof>))]
public enum FenceProof
{
    /// <summary>read_only confirmed on the server and every client session ended.</summary>
    ReadOnly,

    /// <summary>mysqld does not answer and no process listens on its port on the agent's host: its process is gone.</summary>
    ProcessGone,
}

/// <summary>The agent's answer to a fence command (its <c>detail</c>), as the agent writes it and the controller reads it.</summary>
public sealed record FenceAnswer(FenceProof Proof, int SessionsEnded, string Evidence);
