using System.Net.Sockets;
using MySqlHa.Agent.Configuration;
using MySqlHa.Replication.Backups;
using MySqlHa.Replication.Servers;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// What a job must undo when it fails, recorded before it starts so that an agent that died during the job can undo
/// it at its next start: a backup's folder in the repository (partial uploads, and an artifact or manifest committed
/// before the failure), the job's scratch folder, and for a restore the data folder, which was empty before it.
/// </summary>
internal sealed record JobCleanupPlan(string? RepositoryFolder, string? WorkFolder, bool EmptyDataDirectory);

internal sealed class JobCleanup(AgentSettings settings, IBackupRepository? repository = null)
{
    /// <summary>How long a connection attempt to mysqld's port may take before the port counts as closed.</summary>
    private static readonly TimeSpan ListenProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Undoes what <paramref name="plan"/> names; answers a note for the failure reason ("" when all went as planned).</summary>
    public async Task<string> CleanAsync(JobCleanupPlan plan, CancellationToken cancellation)
    {
        var note = "";
        // Tools name the work folder (--target-dir, -C) or the repository folder they write into (zstd's -o):
        // either way they are ended before what they write is removed.
        var killed = (plan.WorkFolder is { } tools ? OrphanedTools.Kill(tools) : 0)
            + (plan.RepositoryFolder is { } writing ? OrphanedTools.Kill(writing) : 0);
        if (killed > 0) note += $"; {killed} of its tools still ran and were ended";
        if (plan.RepositoryFolder is { } folder)
        {
            if (repository is null)
                note += $"; the agent has no Backup:Repository now, so {folder} was not cleared";
            else
            {
                await repository.RemovePartialUploadsAsync(folder, cancellation);
                // Listed whole before deleting: a store need not list consistently while it changes.
                var stored = new List<BackupObject>();
                await foreach (var found in repository.ListAsync(folder, cancellation)) stored.Add(found);
                foreach (var found in stored) await repository.DeleteAsync(found.Key, cancellation);
            }
        }
        if (plan.WorkFolder is { } work && Directory.Exists(work)) Directory.Delete(work, recursive: true);
        if (plan.EmptyDataDirectory && settings.Backup.DataDirectory is { } data)
        {
            // A server already started on the restored files is never pulled from under its feet: the operator decides.
            if (await ListensAsync(settings.Server, cancellation))
                note += $"; mysqld answers on {settings.Server}, so its data folder {data} was left as it is";
            else
                EmptyFolder(data);
        }
        return note;
    }

    /// <summary>Whether something accepts TCP connections on the server's port: a stopped mysqld does not.</summary>
    public static async Task<bool> ListensAsync(ServerEndpoint server, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(ListenProbeTimeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(server.Host, server.Port, deadline.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // Nothing refused and nothing answered: a firewall or a frozen host. Not safe to call it stopped.
            return true;
        }
    }

    /// <summary>Deletes what the folder holds and keeps the folder itself, with its owner and mode.</summary>
    public static void EmptyFolder(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory && directory.LinkTarget is null) directory.Delete(recursive: true);
            else entry.Delete();
        }
    }
}
