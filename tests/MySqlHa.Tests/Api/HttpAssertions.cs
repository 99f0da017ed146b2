using System.Net;

namespace MySqlHa.Tests.Api;

public static class HttpAssertions
{
    /// <summary>
    /// Asserts the answer's status and says, when it is another, what the Api answered: a problem body names the
    /// reason (an unreachable server, a refused field), a bare status code does not.
    /// </summary>
    public static async Task AssertStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync();
        Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered " +
            $"{(int)response.StatusCode} {response.StatusCode}, not {(int)expected} {expected}: {body}");
    }
}
