using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.AgentContract;

namespace MySqlHa.Agent.Commands;

/// <summary>
/// Runs a program on the database host under supervision (backups will use it): only programs listed in the
/// agent's AllowedCommands, with arguments passed as a list (no shell), bounded in time, cancellable by
/// DELETE /commands/run/{commandId} or by the caller hanging up. The answer is streamed as NDJSON: one
/// {"stream":"stdout"|"stderr","line":...} per line of output, then {"exitCode":...,"durationMs":...}.
/// </summary>
internal static class HostCommands
{
    private static readonly ConcurrentDictionary<string, CancellationTokenSource> Running = new();

    public static async Task RunAsync(RunRequest request, HttpContext http, AgentSettings settings, CommandJournal journal, TimeProvider clock)
    {
        if (Validate(request, settings) is { } problem)
        {
            await CommandContext.Invalid<RunSummary>(problem).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "application/x-ndjson";
        var (result, replayed) = await journal.RunOnceAsync(request.CommandId!, "run", () => SuperviseAsync(request, http, clock));
        if (replayed)
            await WriteLineAsync(http, result.Detail! with { Replayed = true }, CancellationToken.None);
    }

    public static IResult Cancel(string commandId)
    {
        if (!Running.TryGetValue(commandId, out var cancellation))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such command is running.", detail: commandId);
        cancellation.Cancel();
        return TypedResults.Accepted((string?)null, new { commandId, cancelling = true });
    }

    private static string? Validate(RunRequest request, AgentSettings settings)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (request.Arguments is not [var program, ..]) return "arguments must name the program first.";
        if (!settings.AllowedCommands.Contains(program))
            return $"'{program}' is not in the agent's AllowedCommands ({string.Join(", ", settings.AllowedCommands)}).";
        if (request.TimeoutSeconds is <= 0 or > 86_400) return "timeoutSeconds must be between 0 and 86400.";
        return null;
    }

    private static async Task<AgentCommandResult<RunSummary>> SuperviseAsync(RunRequest request, HttpContext http, TimeProvider clock)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        cancellation.CancelAfter(TimeSpan.FromSeconds(request.TimeoutSeconds));
        Running[request.CommandId!] = cancellation;
        var started = Stopwatch.StartNew();
        var start = new ProcessStartInfo(request.Arguments![0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in request.Arguments.Skip(1)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var writeLock = new SemaphoreSlim(1, 1);
        async Task Pump(StreamReader reader, string stream)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                await writeLock.WaitAsync();
                try { await WriteLineAsync(http, new RunOutputLine(stream, line), CancellationToken.None); }
                catch (Exception e) when (e is IOException or OperationCanceledException) { /* the caller left; keep draining */ }
                finally { writeLock.Release(); }
            }
        }
        var pumps = Task.WhenAll(Pump(process.StandardOutput, "stdout"), Pump(process.StandardError, "stderr"));
        var cancelled = false;
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        finally
        {
            Running.TryRemove(request.CommandId!, out _);
        }
        await pumps;
        var summary = new RunSummary(process.ExitCode, cancelled, Math.Round(started.Elapsed.TotalMilliseconds));
        try { await WriteLineAsync(http, summary, CancellationToken.None); }
        catch (Exception e) when (e is IOException or OperationCanceledException) { }
        return new AgentCommandResult<RunSummary>(request.CommandId!, "run", null, summary, clock.GetUtcNow());
    }

    private static async Task WriteLineAsync<TLine>(HttpContext http, TLine line, CancellationToken cancellation)
    {
        await http.Response.WriteAsync(JsonSerializer.Serialize(line, JsonSerializerOptions.Web) + "\n", cancellation);
        await http.Response.Body.FlushAsync(cancellation);
    }
}
