namespace MySqlHa.Tests.Sandbox;

/// <summary>
/// Tests that touch the shared sandbox servers run one class at a time: they arrange replication and data that
/// other classes would otherwise see half-done.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SandboxCollection
{
    public const string Name = "sandbox";
}
