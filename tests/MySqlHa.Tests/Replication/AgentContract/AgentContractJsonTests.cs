using System.Text.Json;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Commands;

namespace MySqlHa.Tests.Replication.AgentContract;

/// <summary>
/// The shared records are the JSON the agent and the controller exchanged before they were typed: an answer an older
/// agent gave (or journaled) reads into them, and they write it back unchanged.
/// </summary>
public sealed class AgentContractJsonTests
{
    private const string Outcome =
        """{"server":{"host":"127.0.0.1","port":3317},"gtidExecuted":"0-1-9","binlogFile":"mysql-bin.000002","binlogPosition":1234,"readOnly":true}""";

    private static string Answer(string command, string detail) =>
        $$"""{"commandId":"op:{{command}}","command":"{{command}}","outcome":{{Outcome}},"detail":{{detail}},"completedAt":"2026-11-30T20:00:00+00:00","replayed":false}""";

    [Fact]
    public void Requests_are_the_bodies_the_controller_sent_as_anonymous_objects()
    {
        Assert.Equal("""{"commandId":"op:freeze","mutual":true}""", Json(new MasterCommandRequest("op:freeze", Mutual: true)));
        Assert.Equal("""{"commandId":"op:repoint:db3","sourceHost":"127.0.0.1","sourcePort":3318}""", Json(new ChangeMasterRequest("op:repoint:db3", "127.0.0.1", 3318)));
        Assert.Equal("""{"commandId":"op:promote","relayLogTimeoutSeconds":30}""", Json(new PromoteRequest("op:promote", 30)));
        Assert.Equal("""{"commandId":"op:catch-up","gtidSet":"0-1-9","timeoutSeconds":2.5}""", Json(new WaitForGtidRequest("op:catch-up", "0-1-9", 2.5)));
        Assert.Equal("""{"commandId":"op:drain","timeoutSeconds":5}""", Json(new WaitForTransactionsRequest("op:drain", 5)));
        Assert.Equal("""{"commandId":"op:stop-receiving"}""", Json(new CommandRequest("op:stop-receiving")));
    }

    [Fact]
    public void Answers_round_trip_to_the_json_the_agent_answered()
    {
        RoundTrips<NoDetail>(Answer("set-read-only", "null"));
        RoundTrips<ReceivedGtids>(Answer("promote", """{"receivedGtidSet":"0-1-9"}"""));
        RoundTrips<GtidWait>(Answer("wait-for-gtid", """{"reached":true,"gtidSet":"0-1-9"}"""));
        RoundTrips<OpenTransactions>(Answer("wait-for-transactions", """{"open":["12 app 7"]}"""));
        RoundTrips<SourceChanged>(Answer("change-master", """{"source":"127.0.0.1:3318"}"""));
        RoundTrips<ConnectionsKilled>(Answer("kill-connections", """{"killed":3}"""));
        RoundTrips<FreezeReport>(Answer("freeze", """{"sessionsEnded":2,"stillConnected":[]}"""));
        RoundTrips<FenceAnswer>(Answer("fence", """{"proof":"ReadOnly","sessionsEnded":2,"evidence":"read_only confirmed and 2 client session(s) ended"}"""));
    }

    [Fact]
    public void Typed_details_read_what_the_json_paths_read()
    {
        var drained = Read<OpenTransactions>(Answer("wait-for-transactions", """{"open":["12 app 7"]}"""));
        Assert.Equal(["12 app 7"], drained.Detail!.Open);
        var fenced = Read<FenceAnswer>("""{"commandId":"op:fence","command":"fence","outcome":null,"detail":{"proof":"ProcessGone","sessionsEnded":0,"evidence":"gone"},"completedAt":"2026-11-30T20:00:00+00:00"}""");
        Assert.Equal(FenceProof.ProcessGone, fenced.Detail!.Proof);
        Assert.Null(fenced.Outcome);
        var promoted = Read<ReceivedGtids>(Answer("promote", """{"receivedGtidSet":"0-1-9"}"""));
        Assert.Equal(("0-1-9", "mysql-bin.000002", 1234L, true), (promoted.Outcome!.GtidExecuted, promoted.Outcome.BinlogFile, promoted.Outcome.BinlogPosition, promoted.Outcome.ReadOnly));
    }

    [Fact]
    public void A_run_summary_says_replayed_only_when_it_is()
    {
        Assert.Equal("""{"exitCode":0,"cancelled":false,"durationMs":12}""", Json(new RunSummary(0, false, 12)));
        Assert.Equal("""{"exitCode":0,"cancelled":false,"durationMs":12,"replayed":true}""", Json(new RunSummary(0, false, 12, Replayed: true)));
        Assert.Equal("""{"stream":"stdout","line":"hello"}""", Json(new RunOutputLine("stdout", "hello")));
    }

    private static void RoundTrips<TDetail>(string json) where TDetail : class => Assert.Equal(json, Json(Read<TDetail>(json)));

    private static AgentCommandResult<TDetail> Read<TDetail>(string json) where TDetail : class =>
        JsonSerializer.Deserialize<AgentCommandResult<TDetail>>(json, JsonSerializerOptions.Web)!;

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
