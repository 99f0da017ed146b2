using Microsoft.AspNetCore.Http.HttpResults;
using MySqlHa.Agent.Configuration;
using MySqlHa.Agent.Security;
using MySqlHa.Replication.AgentContract;
using MySqlHa.Replication.Backups;

namespace MySqlHa.Agent.Archive;

internal static class ArchiveEndpoints
{
    public static IEndpointRouteBuilder MapBinlogArchive(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/archive", DescribeAsync).AddEndpointFilter<TokenAuthentication>()
            .WithSummary("The binlog archive: whether this agent streams it and from which master, the GTIDs it covers, its gaps, its last error.");
        return endpoints;
    }

    private static async Task<Ok<BinlogArchiveStatus>> DescribeAsync(AgentSettings settings, ArchiveState state, IServiceProvider services,
        CancellationToken cancellation) =>
        TypedResults.Ok(await ArchiveReport.DescribeAsync(settings, state, services.GetService<IBackupRepository>(), cancellation));
}
