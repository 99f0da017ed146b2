using System.Text.Json;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Jobs;

/// <summary>
/// POST /jobs/flashback: checks the request and the ground, and starts the job; any refusal touches nothing. The
/// extraction must be in the repository (the flashback empties the binary logs, so the extracted transactions are
/// then their only record) and still name exactly the server's extra transactions, the server must be read-only with
/// replication stopped and binlog_format ROW, and every extra transaction must be row changes: flashback inverts row
/// events and cannot undo DDL or a statement, so such a server is refused with the transaction named, to be rebuilt.
/// </summary>
internal static class Flashback
{
    public const string Kind = "flashback";

    public static async Task<IResult> StartAsync(FlashbackRequest request, JobServices services)
    {
        if (services.Settings.Backup.Unavailable is { } unavailable) return JobAnswers.Unavailable(unavailable);
        if (Problem(request) is { } problem) return JobAnswers.Invalid(problem);
        var repository = services.Repository!;
        var work = Path.Combine(services.Jobs.WorkFolder, AgentJobs.FileNameOf(request.CommandId!));
        var binlogs = new LocalBinlogs(services.Settings, services.Connections);
        DivergedTransactions? extraction = null;
        DivergedHistory? history = null;
        var start = await services.Jobs.StartAsync(request.CommandId!, Kind, new JobCleanupPlan(null, work, EmptyDataDirectory: false),
            async cancellation =>
            {
                if (File.Exists(FlashbackRun.AppliedMarker(services.Settings, request.ExtractionId)))
                    return new JobRefusal(StatusCodes.Status409Conflict, "A flashback of this extraction began already.",
                        $"The agent began undoing extraction {request.ExtractionId} before; undoing it again could undo its transactions twice. " +
                        "Check the server against the master, or rebuild it from a backup.");
                var summaryKey = BackupKeys.DivergedSummary(services.Settings.Cluster, request.ExtractionId);
                await using (var stored = await repository.OpenReadAsync(summaryKey, cancellation))
                {
                    if (stored is null)
                        return new JobRefusal(StatusCodes.Status404NotFound, "No such extraction.",
                            $"The repository holds no {summaryKey}: extract the diverged transactions first (POST /jobs/extract-diverged).");
                    extraction = await JsonSerializer.DeserializeAsync<DivergedTransactions>(stored, JsonSerializerOptions.Web, cancellation);
                }
                var expected = Gtid.Format(Gtid.ParseList(request.ExtraGtids));
                if (extraction is null || string.Join(",", extraction.ExtraGtids) != expected)
                    return new JobRefusal(StatusCodes.Status409Conflict, "The extraction names other transactions.",
                        $"Extraction {request.ExtractionId} found [{string.Join(",", extraction?.ExtraGtids ?? [])}], not [{expected}].");
                if (await DivergedGround.RefusalAsync(binlogs, services.Settings.Server.ToString(), flashback: true, cancellation) is { } refusal)
                    return refusal;
                try
                {
                    var state = await binlogs.ReadAsync(cancellation);
                    history = DivergedHistory.Find(await LocalBinlogs.ScanAsync(state.BinlogFiles, cancellation), state.BinlogState,
                        Gtid.ParseList(extraction.MasterGtidExecuted));
                }
                catch (JobFailedException e)
                {
                    return new JobRefusal(StatusCodes.Status409Conflict, "The server's history cannot be undone by flashback.", e.Message);
                }
                var now = Gtid.Format(history.Extra.Select(t => t.Gtid));
                if (now != expected)
                    return new JobRefusal(StatusCodes.Status409Conflict, "The server changed since the extraction.",
                        $"The server now holds [{now}] beyond the master, not the extracted [{expected}]: extract again.");
                // Every reason at once: an operator reviewing the extraction sees all that keeps it from being undone.
                var reasons = history.Extra.Select(t => t.WhyNotRowDml()).OfType<string>().ToList();
                if (reasons.Count > 0)
                    return new JobRefusal(StatusCodes.Status409Conflict, "Flashback cannot undo a transaction.",
                        string.Join("; ", reasons) + "; rebuild the server from a backup instead.");
                return null;
            },
            (job, cancellation) => new FlashbackRun(services.Settings, binlogs, services.Connections, services.Probe)
                .RunAsync(extraction!, history!, work, job, cancellation));
        return JobAnswers.Of(start);
    }

    private static string? Problem(FlashbackRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.CommandId)) return "commandId is required: a retry must carry the same id.";
        if (request.ExtractionId == Guid.Empty) return "extractionId is required: the extraction whose transactions are undone.";
        try
        {
            if (Gtid.ParseList(request.ExtraGtids).Count == 0) return "extraGtids is required: the extra transactions the extraction found.";
        }
        catch (FormatException e)
        {
            return $"extraGtids: {e.Message}.";
        }
        return null;
    }
}
