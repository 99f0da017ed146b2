using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using MySqlHa.Coordination.Election;
using MySqlHa.Coordination.Etcd;

namespace MySqlHa.Workflows.Operations;

/// <summary>
/// MoHA's record of a switch (switchover or failover) in etcd, one per operation: the key carries the operation id
/// and is created only if absent, and only while <paramref name="term"/> leads, in one transaction, so a replayed
/// record step finds it and writes nothing, and a deposed leader writes nothing at all.
/// </summary>
public static class SwitchRecord
{
    /// <summary>
    /// Writes <paramref name="record"/> (a <see cref="SwitchoverSwitchRecord"/> or a <see cref="FailoverSwitchRecord"/>) under the
    /// operation's key unless it is there; answers the key and whether this call created it.
    /// </summary>
    public static async Task<(string Key, bool Created)> WriteOnceAsync(EtcdConnection etcd, LeadershipTerm term, string cluster, Guid operationId,
        object record, CancellationToken cancellation)
    {
        var key = etcd.Keys.SwitchRecord(cluster, operationId);
        var bytes = ByteString.CopyFromUtf8(key);
        var written = await etcd.Client.TransactionAsync(new TxnRequest
        {
            Compare =
            {
                new Compare { Key = bytes, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 },
                term.StillLeading(),
            },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = bytes, Value = ByteString.CopyFromUtf8(JsonSerializer.Serialize(record, record.GetType(), JsonSerializerOptions.Web)) } } },
        }, deadline: etcd.Deadline(), cancellationToken: cancellation);
        if (written.Succeeded) return (key, true);
        // Either comparison failed: the record is there already, or this term no longer leads.
        if ((await etcd.Client.GetAsync(key, deadline: etcd.Deadline(), cancellationToken: cancellation)).Count > 0) return (key, false);
        throw new NotLeadingException();
    }
}
