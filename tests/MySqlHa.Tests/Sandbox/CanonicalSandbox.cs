namespace MySqlHa.Tests.Sandbox;

/// <summary>
/// A class fixture for test classes that need the sandbox in its canonical shape (db1 the writable primary, the
/// others its replicas, every server up and accepting the sandbox users) but do not arrange it themselves: the
/// sandbox is reset once before the class, so the class does not depend on what ran before it. The reset fails
/// with the reason when the sandbox cannot be brought back.
/// </summary>
public sealed class CanonicalSandbox
{
    public CanonicalSandbox() => SandboxReplication.Reset();
}
