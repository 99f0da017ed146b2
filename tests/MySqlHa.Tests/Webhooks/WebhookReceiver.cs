using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Webhooks;

/// <summary>One POST as the receiver got it, with the status it answered (null: it never answered).</summary>
public sealed record ReceivedDelivery(string DeliveryId, string EventId, string Signature, string Timestamp, string Body, DateTimeOffset At)
{
    public JsonNode Json => JsonNode.Parse(Body)!;

    public int? AnsweredStatus { get; set; }
}

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (HttpListener). <see cref="Respond"/> decides each answer, and may wait (to hold a
/// delivery in flight); every request is recorded in arrival order.
/// </summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedDelivery> _received = new();

    public WebhookReceiver()
    {
        Url = $"http://127.0.0.1:{ServiceProcess.FreePort()}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public Func<ReceivedDelivery, Task<HttpStatusCode>> Respond { get; set; } = _ => Task.FromResult(HttpStatusCode.OK);

    public IReadOnlyList<ReceivedDelivery> Received => _received.ToList();

    /// <summary>The requests answered 2xx, in arrival order.</summary>
    public IReadOnlyList<ReceivedDelivery> Accepted => Received.Where(r => r.AnsweredStatus is >= 200 and < 300).ToList();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream);
        var headers = context.Request.Headers;
        var received = new ReceivedDelivery(headers["X-MySqlHa-Delivery"] ?? "", headers["X-MySqlHa-Event"] ?? "", headers["X-MySqlHa-Signature"] ?? "",
            headers["X-MySqlHa-Timestamp"] ?? "", await reader.ReadToEndAsync(), DateTimeOffset.UtcNow);
        _received.Enqueue(received);
        try
        {
            var status = await Respond(received);
            context.Response.StatusCode = (int)status;
            context.Response.Close();
            received.AnsweredStatus = (int)status;
        }
        catch (Exception)
        {
            // The sender went away (an Api killed mid-delivery): nothing to answer.
        }
    }

    public async Task WaitUntilAsync(Func<WebhookReceiver, bool> condition, string failure, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(30));
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{failure}; received: {string.Join(" | ", Received.Select(r => $"{r.AnsweredStatus} {r.Body}"))}");
            await Task.Delay(50);
        }
    }

    public void Dispose() => _listener.Close();
}
