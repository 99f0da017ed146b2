using System.Diagnostics;
using System.IO.Pipes;
using System.Text;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// One program a job runs, started from a fixed argument list (no shell, so nothing in an argument is interpreted),
/// its standard error drained into a short tail that a failure reports, and killed with its children when the job
/// is cancelled or fails, so that no tool outlives its job.
/// </summary>
internal sealed class ToolProcess : IAsyncDisposable
{
    /// <summary>Enough of a tool's last words to say why it failed, small enough for a job record.</summary>
    private const int TailLines = 12;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Task _stderr;

    private ToolProcess(Process process)
    {
        _process = process;
        _stderr = DrainAsync(process.StandardError);
    }

    public string Name { get; private init; } = "";

    public Stream Input => _process.StandardInput.BaseStream;

    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>
    /// A path another program may open to read this tool's standard output itself, straight from the pipe, so that the
    /// bytes never pass through the agent: the agent's own end, seen through /proc. The agent keeps that end open (and
    /// must not read it) until the tool is disposed, so the path stays valid while the reader opens it.
    /// </summary>
    public string OutputPath => $"/proc/{Environment.ProcessId}/fd/{((PipeStream)Output).SafePipeHandle.DangerousGetHandle()}";

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="program"/> with its standard output (and, when asked, its input) as pipes to the agent.</summary>
    public static ToolProcess Start(string program, IEnumerable<string> arguments, bool input = false)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = input,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new JobFailedException($"{program} could not be started");
        PipeCapacity.Enlarge(process.StandardOutput.BaseStream);
        if (input) PipeCapacity.Enlarge(process.StandardInput.BaseStream);
        return new ToolProcess(process) { Name = Path.GetFileName(program) };
    }

    /// <summary>
    /// Runs a program to its end and answers its standard output and the tail of its standard error (some tools,
    /// mariadb-backup --version among them, answer there); a non-zero exit fails the job with the tool's own words.
    /// </summary>
    public static async Task<(string Output, string Errors)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellation)
    {
        await using var tool = Start(program, arguments);
        var output = new StreamReader(tool.Output).ReadToEndAsync(cancellation);
        await tool.SucceedAsync(cancellation);
        return (await output, tool.ErrorTail);
    }

    /// <summary>Waits for the exit; kills the tool when <paramref name="cancellation"/> fires.</summary>
    public async Task<int> WaitAsync(CancellationToken cancellation)
    {
        try
        {
            await _process.WaitForExitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        await _stderr;
        return _process.ExitCode;
    }

    public async Task SucceedAsync(CancellationToken cancellation)
    {
        var exit = await WaitAsync(cancellation);
        if (exit != 0) throw new JobFailedException($"{Name} exited with {exit}: {ErrorTail}");
    }

    /// <summary>The last lines the tool wrote to standard error.</summary>
    public string ErrorTail
    {
        get
        {
            lock (_tail) return string.Join(Environment.NewLine, _tail);
        }
    }

    private async Task DrainAsync(StreamReader error)
    {
        while (await error.ReadLineAsync() is { } line)
            lock (_tail)
            {
                _tail.Enqueue(line);
                if (_tail.Count > TailLines) _tail.Dequeue();
            }
    }

    /// <summary>Ends the tool and its children now; the exit is for <see cref="WaitAsync"/> to see.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended between the check and the kill.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync(CancellationToken.None);
        _process.Dispose();
    }
}

/// <summary>A job's step failed for a reason worth telling the controller as it is.</summary>
internal sealed class JobFailedException(string reason) : Exception(reason);
