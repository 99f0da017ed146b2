using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>
/// Every routing and data-path scenario again with the proxy denied what the kernel redirect needs (root without
/// CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN, as in a locked-down container): it says so and falls back to splice.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ProxyRoutingWithoutTheKernelRedirectTests() : ProxyRoutingTests(dataPath: null, expectedDataPath: "Splice",
    launcher: ["setpriv", "--bounding-set=-bpf,-net_admin,-sys_admin", "--inh-caps=-bpf,-net_admin,-sys_admin"]);
