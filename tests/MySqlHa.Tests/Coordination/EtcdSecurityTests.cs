using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using MySqlHa.Coordination.Etcd;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Coordination;

/// <summary>etcd over TLS with its authentication on, as the controller, the agents and the proxies reach it.</summary>
[Collection(Sandbox.SandboxCollection.Name)]
public sealed class EtcdSecurityTests : IAsyncLifetime
{
    private SecureEtcd _etcd = null!;
    private readonly string _prefix = $"/mysqlha-test-secure-{Guid.NewGuid():N}";

    public async Task InitializeAsync() => _etcd = await SecureEtcd.StartAsync();

    public Task DisposeAsync()
    {
        _etcd.Dispose();
        return Task.CompletedTask;
    }

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    [Fact]
    public async Task A_client_with_the_ca_and_the_password_reads_and_writes_and_signs_in_again_after_etcd_forgets_its_token()
    {
        using var etcd = new EtcdConnection(_etcd.Options(_prefix));
        await etcd.Client.PutAsync(new PutRequest { Key = Bytes($"{_prefix}/k"), Value = Bytes("one") });
        Assert.Equal("one", await etcd.Client.GetValAsync($"{_prefix}/k"));

        // A restarted etcd knows no token: the next call is refused for it, signs in again, and goes through.
        await _etcd.RestartAsync();
        await etcd.Client.PutAsync(new PutRequest { Key = Bytes($"{_prefix}/k"), Value = Bytes("two") });

        Assert.Equal("two", await etcd.Client.GetValAsync($"{_prefix}/k"));
    }

    [Fact]
    public async Task A_client_without_the_ca_or_with_a_wrong_password_or_none_is_refused()
    {
        var wrongPassword = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrongPassword, "guess\n");
        try
        {
            EtcdOptions Changed(Action<EtcdOptions> change)
            {
                var options = _etcd.Options(_prefix);
                change(options);
                return options;
            }
            using var untrusting = new EtcdConnection(Changed(o => o.CaFile = ""));
            using var guessing = new EtcdConnection(Changed(o => o.PasswordFile = wrongPassword));
            using var anonymous = new EtcdConnection(Changed(o => (o.Username, o.PasswordFile) = ("", "")));

            var notTrusted = await Assert.ThrowsAsync<RpcException>(() => untrusting.Client.GetValAsync($"{_prefix}/k"));
            var notAuthenticated = await Assert.ThrowsAsync<RpcException>(() => guessing.Client.GetValAsync($"{_prefix}/k"));
            var notAllowed = await Assert.ThrowsAsync<RpcException>(() => anonymous.Client.GetValAsync($"{_prefix}/k"));

            Assert.Contains("SSL", notTrusted.Status.DebugException?.ToString() ?? notTrusted.Status.Detail);
            Assert.Contains("authentication failed", notAuthenticated.Status.Detail);
            Assert.Contains("user name is empty", notAllowed.Status.Detail);
        }
        finally
        {
            File.Delete(wrongPassword);
        }
    }

    [Fact]
    public async Task The_api_runs_against_etcd_over_tls_with_a_user()
    {
        var schema = "test_secure_etcd";
        await ApiProcess.DropSchemaAsync(schema);
        var (process, client) = await ApiProcess.StartAsync(_prefix, schema, _etcd.Endpoint, new Dictionary<string, string?>
        {
            ["Etcd__CaFile"] = _etcd.CaFile, ["Etcd__Username"] = "root", ["Etcd__PasswordFile"] = _etcd.PasswordFile,
        });
        using (process)
        {
            var health = await client.Http.GetStringAsync("/healthz");
            Assert.Contains("\"etcd\":{\"status\":\"Healthy\"", health.Replace(" ", ""));
        }
    }
}
