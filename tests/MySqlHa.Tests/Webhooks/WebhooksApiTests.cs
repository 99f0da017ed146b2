using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MySqlHa.Tests.Api;

namespace MySqlHa.Tests.Webhooks;

/// <summary>The subscription API of a real Api process: bad input as problem+json, and the secret shown once only.</summary>
public sealed class WebhooksApiTests(WebhookRig rig) : IClassFixture<WebhookRig>
{
    [Fact]
    public async Task The_secret_is_in_the_creation_answer_only_never_in_a_read_an_update_the_metrics_or_the_log()
    {
        using var receiver = new WebhookReceiver();
        var (subscription, secret) = await rig.SubscribeAsync(receiver);
        try
        {
            Assert.Matches("^[0-9a-f]{64}$", secret);
            await rig.ChangePolicyAsync(1);
            await receiver.WaitUntilAsync(r => r.Accepted.Count >= 1, "the delivery never arrived");

            var replaced = await rig.Http.PutAsJsonAsync($"/api/webhooks/{subscription}",
                new { url = receiver.Url + "moved", events = new[] { "*" }, clusterId = (Guid?)null });
            await replaced.AssertStatusAsync(HttpStatusCode.OK);
            var answers = new List<string>
            {
                await replaced.Content.ReadAsStringAsync(),
                await rig.Http.GetStringAsync($"/api/webhooks/{subscription}"),
                await rig.Http.GetStringAsync("/api/webhooks"),
                await rig.Http.GetStringAsync($"/api/webhooks/{subscription}/deliveries"),
                await rig.Http.GetStringAsync("/metrics"),
                rig.Api.Output,
            };
            Assert.All(answers, answer => Assert.DoesNotContain(secret, answer));
            Assert.DoesNotContain(secret, receiver.Received.Single().Body);

            var view = JsonNode.Parse(answers[1])!;
            Assert.Equal(receiver.Url + "moved", (string)view["url"]!);
            Assert.Equal(["*"], view["events"]!.AsArray().Select(e => (string)e!));
            Assert.Null(view["secret"]);
        }
        finally
        {
            await rig.DeleteAsync(subscription);
        }
        await (await rig.Http.GetAsync($"/api/webhooks/{subscription}")).AssertStatusAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/hook", "*", "url")]
    [InlineData("not a url", "*", "url")]
    [InlineData("http://user:password@127.0.0.1/hook", "*", "url")]
    [InlineData("http://127.0.0.1/hook", "Switchover Completed", "events")]
    [InlineData("http://127.0.0.1/hook", "", "events")]
    public async Task Bad_input_is_refused_with_problem_json_naming_the_field(string url, string pattern, string field)
    {
        var response = await rig.Http.PostAsJsonAsync("/api/webhooks", new { url, events = pattern.Length == 0 ? [] : new[] { pattern } });

        await AssertValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task A_cluster_that_does_not_exist_and_an_unknown_subscription_are_refused_with_problem_json()
    {
        var response = await rig.Http.PostAsJsonAsync("/api/webhooks", new { url = "https://127.0.0.1/hook", events = new[] { "*" }, clusterId = Guid.NewGuid() });
        await AssertValidationProblemAsync(response, "clusterId");

        var missing = await rig.Http.PostAsync($"/api/webhooks/{Guid.NewGuid()}/resume", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![field]);
    }
}
