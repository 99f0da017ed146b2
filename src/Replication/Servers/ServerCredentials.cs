namespace MySqlHa.Replication.Servers;

/// <summary>
/// A user and a reference to its password, never the password: the process that opens a connection resolves the
/// reference through its <see cref="ISecretSource"/> at that moment. In the controller the reference is the name of a
/// secret in its secrets folder (so requests, events and views carry a name, not a path); in an agent, the path of a
/// file on its host, from the agent's own configuration.
/// </summary>
public sealed record ServerCredentials(string User, string Secret);
