using MySqlHa.Workflows.Webhooks;

namespace MySqlHa.Tests.Webhooks;

public sealed class WebhookRetryPolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly WebhookOptions Options = new()
    {
        FirstRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(10), PauseAfterFailures = 5, PauseAfterFailingFor = TimeSpan.FromMinutes(30),
    };

    private static readonly WebhookSubscription Subscription = new(Guid.NewGuid(), "https://example.test/hook", ["*"], null, "s", 0, Start);

    private static readonly WebhookDelivery Delivery = new(Guid.NewGuid(), Subscription.Id, Guid.NewGuid(), "ClusterRegistered", 7, Guid.NewGuid(), "{}", Start);

    private static WebhookAttempt Failed(DateTimeOffset at) => new(false, 500, "the receiver answered HTTP 500", at);

    [Fact]
    public void The_retry_delay_doubles_from_the_first_and_stops_at_the_maximum()
    {
        Assert.Equal([1, 2, 4, 8, 10, 10], Enumerable.Range(1, 6).Select(n => WebhookRetryPolicy.RetryDelay(n, Options).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(10), WebhookRetryPolicy.RetryDelay(1000, Options));
    }

    [Fact]
    public void A_failed_attempt_schedules_the_next_and_counts_against_the_subscription()
    {
        var (delivery, subscription) = WebhookRetryPolicy.Apply(Delivery, Subscription, Failed(Start), Options);

        Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(Start.AddSeconds(1), delivery.NextAttemptAt);
        Assert.Equal(500, delivery.LastResponseCode);
        Assert.Equal(1, subscription.ConsecutiveFailures);
        Assert.Equal(Start, subscription.FailingSince);
        Assert.False(subscription.Paused);
    }

    [Fact]
    public void The_subscription_is_paused_at_the_failure_limit_with_the_reason()
    {
        var (delivery, subscription) = (Delivery, Subscription);
        for (var n = 0; n < Options.PauseAfterFailures; n++)
            (delivery, subscription) = WebhookRetryPolicy.Apply(delivery, subscription, Failed(Start.AddSeconds(n)), Options);

        Assert.True(subscription.Paused);
        Assert.Equal(Start.AddSeconds(4), subscription.PausedAt);
        Assert.Equal("5 delivery attempts failed in a row; the last: the receiver answered HTTP 500", subscription.PausedReason);
    }

    [Fact]
    public void The_subscription_is_paused_once_it_has_failed_for_longer_than_the_limit_even_below_the_count()
    {
        var (delivery, subscription) = WebhookRetryPolicy.Apply(Delivery, Subscription, Failed(Start), Options);
        (_, subscription) = WebhookRetryPolicy.Apply(delivery, subscription, Failed(Start.AddMinutes(30)), Options);

        Assert.True(subscription.Paused);
        Assert.StartsWith("delivery has failed since", subscription.PausedReason);
    }

    [Fact]
    public void A_delivered_attempt_clears_the_failures()
    {
        var (delivery, subscription) = WebhookRetryPolicy.Apply(Delivery, Subscription, Failed(Start), Options);
        (delivery, subscription) = WebhookRetryPolicy.Apply(delivery, subscription, new WebhookAttempt(true, 204, null, Start.AddSeconds(1)), Options);

        Assert.Equal(WebhookDeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal(Start.AddSeconds(1), delivery.DeliveredAt);
        Assert.Equal(0, subscription.ConsecutiveFailures);
        Assert.Null(subscription.FailingSince);
    }

    [Theory]
    [InlineData("*", "SwitchoverCompleted", true)]
    [InlineData("Switchover*", "SwitchoverCompleted", true)]
    [InlineData("switchover*", "SwitchoverCompleted", true)]
    [InlineData("Switchover*", "FailoverCompleted", false)]
    [InlineData("*Completed", "FailoverCompleted", true)]
    [InlineData("SwitchoverCompleted", "SwitchoverCompletedLater", false)]
    public void Event_type_patterns_match_whole_names_with_a_star_for_any_run(string pattern, string type, bool matches) =>
        Assert.Equal(matches, EventTypePattern.Matches(pattern, type));
}
