using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Security;

/// <summary>
/// The controller verifies the MySQL servers it sends a password to: with SslMode VerifyFull and the sandbox's CA it
/// registers the sandbox cluster; with a CA that did not sign the servers' certificate it sends nothing and refuses.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ServerTlsTests
{
    private static async Task<HttpResponseMessage> RegisterVerifyingAsync(string schema, string caFile)
    {
        await ApiProcess.DropSchemaAsync(schema);
        await using var factory = new ApiFactory();
        await using var api = factory.WithWebHostBuilder(builder => builder
            .UseSetting("MySqlHa:Schema", schema)
            .UseSetting("Etcd:Prefix", $"/mysqlha-test-{schema}-{Guid.NewGuid():N}")
            .UseSetting("MySqlHa:Servers:Tls:SslMode", "VerifyFull")
            .UseSetting("MySqlHa:Servers:Tls:CaFile", caFile));
        var http = api.CreateClient();
        var response = await http.PostAsJsonAsync("/api/clusters", new
        {
            name = "verified",
            flavor = "mariadb",
            instances = SandboxSettings.Current.MariaDb.Select((e, i) => new { name = $"db{i + 1}", host = e.Host, port = e.Port }),
            adminCredentials = new { user = SandboxSettings.Current.Admin.User, secret = SandboxSettings.Current.Admin.AsNamedSecret().Secret },
        });
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Fact]
    public async Task Servers_whose_certificate_the_ca_signed_are_registered_with_verify_full()
    {
        var response = await RegisterVerifyingAsync("test_server_tls", SandboxSettings.Current.MariaDbCa);

        await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Servers_whose_certificate_another_ca_signed_are_refused_and_sent_no_password()
    {
        using var stranger = new TestCertificates();

        var response = await RegisterVerifyingAsync("test_server_tls_stranger", stranger.CaFile);

        await response.AssertStatusAsync(HttpStatusCode.BadRequest);
        Assert.Contains("cannot be reached with the admin credentials", await response.Content.ReadAsStringAsync());
    }
}
