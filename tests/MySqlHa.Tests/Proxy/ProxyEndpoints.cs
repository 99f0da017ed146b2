using System.Text.Json.Nodes;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Proxy;

/// <summary>The proxy's own HTTP endpoints (/healthz, /metrics), read until they show what a test waits for.</summary>
internal static class ProxyEndpoints
{
    /// <summary>Reads the proxy's /healthz until <paramref name="done"/> holds for its clusters (for a while), then asserts it.</summary>
    public static async Task WaitForHealthAsync(ServiceProcess proxy, Func<JsonArray, bool> done)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxy.Url) };
        var clusters = await ReadUntilAsync(async () =>
        {
            try
            {
                return JsonNode.Parse(await (await http.GetAsync("/healthz")).Content.ReadAsStringAsync())!.AsArray();
            }
            catch (HttpRequestException)
            {
                return []; // the proxy is still starting
            }
        }, clusters => clusters.Count > 0 && done(clusters));
        Assert.True(clusters.Count > 0 && done(clusters), $"the proxy's health never showed the expected state: {clusters.ToJsonString()}");
    }

    /// <summary>Reads the proxy's /metrics until <paramref name="done"/> holds (for a while); answers the last text, for the caller to assert on.</summary>
    public static async Task<string> WaitForMetricsAsync(ServiceProcess proxy, Func<string, bool> done)
    {
        using var http = new HttpClient { BaseAddress = new Uri(proxy.Url) };
        return await ReadUntilAsync(() => http.GetStringAsync("/metrics"), done);
    }

    /// <summary>Reads until <paramref name="done"/> holds or 15 s have passed; answers the last reading, for the caller to assert on.</summary>
    private static async Task<T> ReadUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var reading = await read();
            if (done(reading) || DateTime.UtcNow > deadline) return reading;
            await Task.Delay(50);
        }
    }

    /// <summary>The sum of a metric's series of <paramref name="cluster"/> that carry every one of <paramref name="labels"/>.</summary>
    public static double Sum(string metrics, string name, string cluster, params string[] labels) => metrics.Split('\n')
        .Where(line => line.StartsWith(name + "{") && line.Contains($"cluster=\"{cluster}\"") && labels.All(line.Contains))
        .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
        .Sum();
}
