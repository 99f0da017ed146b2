namespace MySqlHa.Tests.Agent;

/// <summary>The shared token the test agents are started with, in a file of its own as operators keep it.</summary>
public static class AgentToken
{
    public const string Value = "test-token-0123456789abcdef";

    private static readonly Lazy<string> Path = new(() =>
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mysqlha-agent-token-{Environment.ProcessId}");
        System.IO.File.WriteAllText(file, Value + "\n");
        return file;
    });

    public static string File => Path.Value;
}
