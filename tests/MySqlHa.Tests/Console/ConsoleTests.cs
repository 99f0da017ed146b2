using System.Net.Http.Json;
using Microsoft.Playwright;
using MySqlHa.Tests.Api;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Console;

/// <summary>
/// The web console in a real browser, on a real cluster: an Api process and an agent beside each sandbox server,
/// db1 master and db2, db3 replicas. Screenshots of the main pages are saved on the way.
/// </summary>
[Collection(SandboxCollection.Name)]
public sealed class ConsoleTests : IAsyncLifetime
{
    private const string ClusterName = "console";
    private readonly ProcessRig _rig = new("console");
    private ClusterClient _client = null!;
    private Guid _cluster;
    private ConsoleBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        try
        {
            (var api, _client, _cluster, _) = await _rig.StartClusterAsync(ClusterName);
            await _client.ArrangeMasterAndReplicasAsync(_cluster, "db2", "db3");
            _browser = await ConsoleBrowser.OpenAsync(api.Url);
        }
        catch
        {
            // xunit does not dispose a class whose initialization failed: its processes would outlive the run.
            _rig.Dispose();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _rig.Dispose();
    }

    [Fact]
    public async Task Operator_sees_every_instance_OK_and_pauses_and_resumes_a_replica()
    {
        await _browser.SignInAsync(await KeyAsync("console-operator", "operator"));
        await _browser.ScreenshotAsync("clusters");
        await _browser.OpenClusterAsync(ClusterName);
        foreach (var instance in new[] { "db1", "db2", "db3" }) await Assertions.Expect(_browser.Row(instance)).ToContainTextAsync("OK");
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("Running / Running");
        await _browser.ScreenshotAsync("cluster");

        await _browser.RunConfirmedAsync("db2", "pause");
        // The threads' state is what db2's server reports, read by the Api's discovery.
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("Stopped / Stopped");
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("paused");
        await _browser.RunConfirmedAsync("db2", "resume");
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("Running / Running");
        await Assertions.Expect(_browser.Row("db2").GetByRole(AriaRole.Button, new() { Name = "pause", Exact = true })).ToBeVisibleAsync();

        await _browser.UsePhoneWidthAsync();
        await _browser.ScreenshotAsync("cluster-phone");
    }

    [Fact]
    public async Task Switchover_planned_confirmed_and_followed_in_the_console_makes_db2_the_writable_master()
    {
        await _browser.SignInAsync(AdminKey.Value.Text);
        await _browser.OpenClusterAsync(ClusterName);

        await _browser.Page.GetByLabel("Candidate", new() { Exact = true }).SelectOptionAsync("db2");
        await _browser.Page.GetByRole(AriaRole.Button, new() { Name = "Plan switchover" }).ClickAsync();
        var confirmation = _browser.Page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(confirmation).ToContainTextAsync("Switch over to db2?");
        await Assertions.Expect(confirmation).ToContainTextAsync("Repoint db3 to db2.");
        await _browser.ScreenshotAsync("switchover-plan");
        await confirmation.GetByRole(AriaRole.Button, new() { Name = "Switch over" }).ClickAsync();

        await Assertions.Expect(_browser.Page.GetByText("State: completed")).ToBeVisibleAsync();
        var timeline = _browser.Page.GetByRole(AriaRole.List);
        await Assertions.Expect(timeline).ToContainTextAsync("OldMasterFrozen");
        await Assertions.Expect(timeline).ToContainTextAsync("ReplicaPromoted");
        await Assertions.Expect(timeline).ToContainTextAsync("SwitchoverCompleted");
        await _browser.ScreenshotAsync("switchover-timeline");
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[1], "SELECT @@read_only"));

        await _browser.Page.GetByRole(AriaRole.Link, new() { Name = "Back to the cluster" }).ClickAsync();
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("master");
        await Assertions.Expect(_browser.Row("db1")).ToContainTextAsync("replica");
    }

    [Fact]
    public async Task Master_whose_server_stops_turns_ERROR_live_and_the_admins_emergency_failover_makes_db3_the_writable_master()
    {
        await _browser.SignInAsync(AdminKey.Value.Text);
        await _browser.OpenClusterAsync(ClusterName);
        // Without automatic failover the failed master stays the master, so that its ERROR stays on screen.
        await _browser.Page.GetByLabel("Automatic failover").UncheckAsync();
        await _browser.Page.GetByRole(AriaRole.Button, new() { Name = "Save the policy" }).ClickAsync();
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("The failover policy is saved.");
        Assert.False((await _client.Http.GetFromJsonAsync<FailoverPolicyAnswer>($"/api/clusters/{_cluster}/failover-policy"))!.Automatic);

        SandboxReplication.StopServer(1);
        await Assertions.Expect(_browser.Row("db1")).ToContainTextAsync("ERROR");
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.Button, new() { Name = "Emergency failover" })).ToBeVisibleAsync();
        await _browser.ScreenshotAsync("failed-master");

        await _browser.Page.GetByLabel("Candidate to promote").SelectOptionAsync("db3");
        await _browser.Page.GetByLabel("Reason (recorded)").FillAsync("db1 is gone");
        await _browser.Page.GetByRole(AriaRole.Button, new() { Name = "Emergency failover" }).ClickAsync();
        await _browser.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Fail over" }).ClickAsync();
        await Assertions.Expect(_browser.Page.GetByText("State: completed")).ToBeVisibleAsync();
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.List)).ToContainTextAsync("FailoverCompleted");
        Assert.Equal(0, await SandboxReplication.ScalarAsync<int>(SandboxSettings.Current.MariaDb[2], "SELECT @@read_only"));
    }

    [Fact]
    public async Task Viewer_reads_the_cluster_and_is_offered_no_action()
    {
        await _browser.SignInAsync(await KeyAsync("console-viewer", "viewer"));
        await _browser.OpenClusterAsync(ClusterName);
        await Assertions.Expect(_browser.Row("db2")).ToContainTextAsync("OK");
        await Assertions.Expect(_browser.Page.GetByText("Operators and admins may run a switchover.")).ToBeVisibleAsync();
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.Button, new() { Name = "pause" })).ToHaveCountAsync(0);
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.Button, new() { Name = "Save the policy" })).ToHaveCountAsync(0);

        await _browser.Page.GetByRole(AriaRole.Link, new() { Name = "db2", Exact = true }).ClickAsync();
        await _browser.Page.GetByLabel("Search the stats").FillAsync("gtid_slave_pos");
        await _browser.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(_browser.Page.GetByRole(AriaRole.Row).Filter(new() { HasText = "gtid_slave_pos" })).ToHaveCountAsync(1);
        await _browser.ScreenshotAsync("instance-stats");
    }

    private async Task<string> KeyAsync(string name, string role) =>
        (await File.ReadAllTextAsync(await _client.CreateKeyFileAsync(name, role))).Trim();

    private sealed record FailoverPolicyAnswer(bool Automatic);
}
