using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace MySqlHa.Workflows.Webhooks;

/// <summary>
/// One attempt: POSTs the delivery's body to the subscription's URL, signed with its secret. HTTPS targets are checked
/// with the platform's normal certificate validation.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, WebhookOptions options, TimeProvider clock)
{
    public const string ClientName = "webhooks";

    public async Task<WebhookAttempt> SendAsync(WebhookDelivery delivery, WebhookSubscription subscription, CancellationToken cancellation)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-MySqlHa-Signature", Sign(subscription.Secret, timestamp, delivery.Body));
        request.Headers.Add("X-MySqlHa-Timestamp", timestamp);
        request.Headers.Add("X-MySqlHa-Delivery", delivery.Id.ToString());
        request.Headers.Add("X-MySqlHa-Event", delivery.EventId.ToString());

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(options.AttemptTimeout);
        var started = Stopwatch.GetTimestamp();
        string outcome;
        WebhookAttempt attempt;
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bounded.Token);
            var code = (int)response.StatusCode;
            outcome = response.IsSuccessStatusCode ? "delivered" : "rejected";
            attempt = new WebhookAttempt(response.IsSuccessStatusCode, code, response.IsSuccessStatusCode ? null : $"the receiver answered HTTP {code}", clock.GetUtcNow());
        }
        // Whatever went wrong short of an answer is the receiver's failure, counted and retried like a refusal: an
        // exception that escaped would end the round without recording the attempt, and never pause the subscription.
        catch (Exception failure) when (!cancellation.IsCancellationRequested)
        {
            outcome = "unreachable";
            var reason = failure is OperationCanceledException ? $"no answer within {options.AttemptTimeout}" : failure.Message;
            attempt = new WebhookAttempt(false, null, reason, clock.GetUtcNow());
        }
        WebhookMetrics.AttemptSeconds.WithLabels(outcome).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        WebhookMetrics.Attempts.WithLabels(outcome).Inc();
        return attempt;
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256, keyed by the secret, of "{timestamp}.{body}".</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
}
