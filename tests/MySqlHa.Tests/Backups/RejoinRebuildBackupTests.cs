using MySqlHa.Replication.Backups;
using MySqlHa.Workflows.Backups;
using MySqlHa.Workflows.Rejoins;

namespace MySqlHa.Tests.Backups;

/// <summary>
/// Which backup a diverged old master (server id 1, extra 0-1-10 and 0-1-11) is rebuilt from, when the master (server
/// id 2) holds 0-1-9 as db1's last transaction and wrote 0-2-12 since.
/// </summary>
public sealed class RejoinRebuildBackupTests
{
    private const string MasterState = "0-1-9,0-2-12";
    private static readonly string[] Extra = ["0-1-10", "0-1-11"];

    private static BackupRecord Backup(string point) => new(Guid.NewGuid(), Guid.Empty, "c", "db2", "manual", BackupCompression.Zstd, BackupRecord.Completed,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new BackupManifest(Guid.Empty, "c", "db2", "mariadb", "k", BackupCompression.Zstd, point, null, null,
            0, 0, "", "", "", "", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0, true), null, null);

    [Fact]
    public void The_newest_backup_that_reaches_the_instances_last_transaction_the_master_holds_and_none_of_its_extra_is_chosen()
    {
        var beforeOwnLast = Backup("0-1-8");
        var atOwnLast = Backup("0-1-9");
        var masterSince = Backup("0-2-12");
        var diverged = Backup("0-1-11");
        Assert.Same(masterSince, RebuildBackup.Choose([diverged, masterSince, atOwnLast, beforeOwnLast], MasterState, Extra));
        Assert.Same(atOwnLast, RebuildBackup.Choose([diverged, atOwnLast, beforeOwnLast], MasterState, Extra));
        Assert.Null(RebuildBackup.Choose([diverged, beforeOwnLast, Backup("not a gtid")], MasterState, Extra));
    }
}
