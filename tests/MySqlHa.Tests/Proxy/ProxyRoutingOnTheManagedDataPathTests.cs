using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>Every routing and data-path scenario again with DataPath Managed: the path used off Linux and wherever a pipe cannot be made.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ProxyRoutingOnTheManagedDataPathTests() : ProxyRoutingTests("Managed", expectedDataPath: "Managed");
