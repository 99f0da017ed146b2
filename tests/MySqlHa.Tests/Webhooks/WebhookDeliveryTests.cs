using System.Net;

namespace MySqlHa.Tests.Webhooks;

/// <summary>
/// Deliveries from a real Api process to a real HTTP receiver on loopback, against the sandbox PostgreSQL, etcd and
/// MariaDB: signed, retried, in order per cluster, paused when they keep failing, and not lost when the Api dies.
/// </summary>
public sealed class WebhookDeliveryTests(WebhookRig rig) : IClassFixture<WebhookRig>
{
    [Fact]
    public async Task Each_event_is_delivered_once_signed_with_its_ids_in_order()
    {
        using var receiver = new WebhookReceiver();
        var (subscription, secret) = await rig.SubscribeAsync(receiver);
        try
        {
            for (var number = 1; number <= 4; number++) await rig.ChangePolicyAsync(number);

            await receiver.WaitUntilAsync(r => r.Accepted.Count >= 4, "four deliveries never arrived");
            await Task.Delay(300);
            Assert.Equal([1, 2, 3, 4], WebhookRig.AcceptedNumbers(receiver));
            Assert.Equal(4, receiver.Received.Count);
            foreach (var delivery in receiver.Accepted)
            {
                Assert.Equal(WebhookRig.ExpectedSignature(secret, delivery), delivery.Signature);
                Assert.InRange(long.Parse(delivery.Timestamp), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
                Assert.Equal(delivery.EventId, (string)delivery.Json["eventId"]!);
                Assert.Equal("FailoverPolicyChanged", (string)delivery.Json["type"]!);
                Assert.Equal(rig.Cluster.ToString(), (string)delivery.Json["clusterId"]!);
                Assert.Equal(rig.Cluster.ToString(), (string)delivery.Json["streamId"]!);
            }
            Assert.Equal(4, receiver.Accepted.Select(d => d.DeliveryId).Distinct().Count());
            var sequences = receiver.Accepted.Select(d => (long)d.Json["sequence"]!).ToList();
            Assert.Equal(sequences.Order(), sequences);

            var log = (await rig.GetAsync($"/api/webhooks/{subscription}/deliveries")).AsArray();
            Assert.Equal(4, log.Count);
            Assert.All(log, entry =>
            {
                Assert.Equal("Delivered", (string)entry!["status"]!);
                Assert.Equal(1, (int)entry["attempts"]!);
                Assert.Equal(200, (int)entry["lastResponseCode"]!);
            });
        }
        finally
        {
            await rig.DeleteAsync(subscription);
        }
    }

    [Fact]
    public async Task A_refused_delivery_is_retried_with_backoff_and_holds_the_later_ones_of_its_cluster_until_it_succeeds()
    {
        using var receiver = new WebhookReceiver();
        var refusals = 2;
        receiver.Respond = _ => Task.FromResult(Interlocked.Decrement(ref refusals) >= 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.OK);
        var (subscription, _) = await rig.SubscribeAsync(receiver);
        try
        {
            for (var number = 1; number <= 3; number++) await rig.ChangePolicyAsync(number);

            await receiver.WaitUntilAsync(r => r.Accepted.Count >= 3, "the three deliveries never all arrived");
            var received = receiver.Received;
            // The first event three times (refused, refused, accepted), and only then the others.
            Assert.Equal([1, 1, 1, 2, 3], received.Select(WebhookRig.Number));
            Assert.Single(received.Take(3).Select(d => d.DeliveryId).Distinct());
            Assert.Equal([500, 500, 200], received.Take(3).Select(d => d.AnsweredStatus ?? 0));
            // Backoff: 200 ms after the first failure, 400 ms after the second (some slack for the poll).
            Assert.True(received[1].At - received[0].At >= TimeSpan.FromMilliseconds(180), $"retried after {received[1].At - received[0].At}");
            Assert.True(received[2].At - received[1].At >= TimeSpan.FromMilliseconds(380), $"retried after {received[2].At - received[1].At}");

            var first = (await rig.GetAsync($"/api/webhooks/{subscription}/deliveries?status=Delivered")).AsArray().Last()!;
            Assert.Equal(3, (int)first["attempts"]!);
            Assert.Equal(200, (int)first["lastResponseCode"]!);
            Assert.Equal(0, (int)(await rig.GetAsync($"/api/webhooks/{subscription}"))["consecutiveFailures"]!);
        }
        finally
        {
            await rig.DeleteAsync(subscription);
        }
    }

    [Fact]
    public async Task A_subscription_that_keeps_failing_is_paused_with_the_reason_and_delivers_everything_in_order_once_resumed()
    {
        using var receiver = new WebhookReceiver();
        receiver.Respond = _ => Task.FromResult(HttpStatusCode.ServiceUnavailable);
        var (subscription, _) = await rig.SubscribeAsync(receiver);
        try
        {
            await rig.ChangePolicyAsync(1);
            await rig.ChangePolicyAsync(2);

            var view = await WaitForViewAsync(subscription, v => (bool)v["paused"]!, "the subscription was never paused");
            Assert.Contains($"{WebhookRig.PauseAfterFailures} delivery attempts failed in a row", (string)view["pausedReason"]!);
            Assert.Contains("HTTP 503", (string)view["pausedReason"]!);
            Assert.Equal(WebhookRig.PauseAfterFailures, receiver.Received.Count);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.Equal(WebhookRig.PauseAfterFailures, receiver.Received.Count);
            await rig.ChangePolicyAsync(3);

            receiver.Respond = _ => Task.FromResult(HttpStatusCode.NoContent);
            var resumed = await rig.Http.PostAsync($"/api/webhooks/{subscription}/resume", null);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);

            await receiver.WaitUntilAsync(r => r.Accepted.Count >= 3, "the held deliveries never arrived after resumption");
            Assert.Equal([1, 2, 3], WebhookRig.AcceptedNumbers(receiver));
            var after = await rig.GetAsync($"/api/webhooks/{subscription}");
            Assert.False((bool)after["paused"]!);
            Assert.Null(after["pausedReason"]);
        }
        finally
        {
            await rig.DeleteAsync(subscription);
        }
    }

    [Fact]
    public async Task Nothing_is_lost_when_the_Api_is_killed_mid_delivery_and_events_are_appended_while_it_is_down()
    {
        using var receiver = new WebhookReceiver();
        var killed = new TaskCompletionSource();
        // The second event's first attempt is held open until the Api that sent it is dead.
        receiver.Respond = async delivery =>
        {
            if (WebhookRig.Number(delivery) == 2 && !killed.Task.IsCompleted) await killed.Task;
            return HttpStatusCode.OK;
        };
        var (subscription, _) = await rig.SubscribeAsync(receiver);
        try
        {
            await rig.ChangePolicyAsync(1);
            await rig.ChangePolicyAsync(2);
            await receiver.WaitUntilAsync(r => r.Received.Any(d => WebhookRig.Number(d) == 2), "the second delivery never started");

            rig.Api.KillHard();
            await rig.Api.WaitForExitAsync(TimeSpan.FromSeconds(10));
            killed.SetResult();
            await rig.AppendPolicyChangeAsync(3, actor: "webhook-test");
            await rig.AppendPolicyChangeAsync(4, actor: "webhook-test");
            await rig.StartApiAsync();

            await receiver.WaitUntilAsync(r => AcceptedDistinct(r).Count >= 4, "not every event was delivered after the restart", TimeSpan.FromSeconds(60));
            Assert.Equal([1, 2, 3, 4], AcceptedDistinct(receiver).Select(WebhookRig.Number));
            Assert.Equal(["webhook-test", "webhook-test"], AcceptedDistinct(receiver).Skip(2).Select(d => (string?)d.Json["actor"]));
        }
        finally
        {
            await rig.DeleteAsync(subscription);
        }
    }

    /// <summary>
    /// Accepted deliveries, each delivery id once: a delivery cut by the kill may reach the receiver again (at least
    /// once), with the same id.
    /// </summary>
    private static List<ReceivedDelivery> AcceptedDistinct(WebhookReceiver receiver) =>
        receiver.Accepted.DistinctBy(d => d.DeliveryId).ToList();

    private async Task<System.Text.Json.Nodes.JsonNode> WaitForViewAsync(Guid subscription, Func<System.Text.Json.Nodes.JsonNode, bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var view = await rig.GetAsync($"/api/webhooks/{subscription}");
            if (condition(view)) return view;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{failure}: {view.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
