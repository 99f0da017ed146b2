using MySqlHa.Api.Security.ApiKeys;

namespace MySqlHa.Tests.Api;

/// <summary>The tests' bootstrap admin key: one per test run, in a file every Api the tests start is configured with.</summary>
public static class AdminKey
{
    public static readonly ApiKeySecret Value = ApiKeySecret.New();

    private static readonly Lazy<string> Path = new(() =>
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mysqlha-admin-key-{Environment.ProcessId}");
        System.IO.File.WriteAllText(file, Value.Text + "\n");
        return file;
    });

    public static string File => Path.Value;

    /// <summary>An HTTP client that signs in with the admin key.</summary>
    public static HttpClient SignIn(this HttpClient http)
    {
        http.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, Value.Text);
        return http;
    }
}
