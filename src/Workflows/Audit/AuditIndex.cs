using Marten;
using Npgsql;

namespace MySqlHa.Workflows.Audit;

/// <summary>
/// What the audit query needs beside Marten's own <c>mt_events</c>: a tag table that says which cluster, operation
/// and instances each event concerns, and indexes that let a filtered page be read newest (or oldest) first from an
/// index alone.
/// </summary>
/// <remarks>
/// Why a tag table kept by a trigger, not a projection or a jsonb index:
/// <list type="bullet">
/// <item>Events name what they concern in different fields (an instance is <c>Instance</c>, <c>OldMaster</c>,
/// <c>Candidate</c>, an element of <c>Replicas</c>, a key of <c>AppliedOn</c>, ...), and an operation's own stream
/// names its cluster only in its first event. A GIN index over all of that answers "which events" but not "the 50
/// newest", which needs a sort of every match; a btree on (tag, seq_id) is read backwards or forwards and stops after
/// one page, whatever the number of matches. It carries the event's type, actor and time, so that a tag combined with
/// those filters is decided from the index alone, and only the events of the page are read.</item>
/// <item>A trigger on <c>mt_events</c> writes the tags in the inserting transaction, for every path that inserts
/// events (Marten's appends, quick or rich, and its COPY bulk import), needs neither the event's sequence in
/// advance nor the async daemon (see the README on the distributed-lock shim), and cannot miss or repeat an event.
/// Deletes and truncates of <c>mt_events</c> (test resets) take the tags with them.</item>
/// </list>
/// <see cref="Version"/> names the tagging rules: when they change, every event is tagged again at the next start.
/// </remarks>
public static class AuditIndex
{
    /// <summary>Bump when <see cref="TagRules"/> change: the tags of every stored event are then rebuilt once.</summary>
    private const string Version = "audit-tags v5";

    /// <summary>Our indexes on Marten's <c>mt_events</c>, which its schema migration must leave alone.</summary>
    public static readonly IReadOnlyList<string> EventIndexes = ["mt_events_audit_type", "mt_events_audit_user_name", "mt_events_audit_timestamp"];

    public const string ClusterTag = "cluster:";
    public const string OperationTag = "operation:";
    public const string InstanceTag = "instance:";

    // Event fields that hold one instance name, lists of names, and maps keyed by name (see the events in Clusters/,
    // Switchover/, Failover/ and SemiSync/); ClusterRegistered lists its instances as objects with a Name. Backups,
    // restores, rejoins and verifications are operations of their own for the query: their events carry their ids as
    // BackupId, RestoreId, RejoinId and VerificationId (a restore's or a verification's events name its backup too:
    // their own id wins).
    private const string TagRules = """
        select '{1}' || coalesce(data ->> 'ClusterId',
            (select first.data ->> 'ClusterId' from {0}.mt_events first where first.stream_id = stream order by first.version limit 1))
        union
        select '{2}' || coalesce(data ->> 'OperationId', data ->> 'RestoreId', data ->> 'RejoinId', data ->> 'VerificationId', data ->> 'BackupId')
        union
        select '{3}' || named from (
            select data ->> field as named
                from unnest(array['Instance', 'Source', 'OldMaster', 'NewMaster', 'Candidate', 'RequestedCandidate', 'NewSource', 'Master']) field
            union all
            select jsonb_array_elements_text(data -> field) from unnest(array['Replicas', 'Writable']) field
                where jsonb_typeof(data -> field) = 'array'
            union all
            select jsonb_object_keys(data -> field) from unnest(array['AppliedOn', 'FailedOn', 'FollowerGtidExecuted']) field
                where jsonb_typeof(data -> field) = 'object'
            union all
            select member ->> 'Name' from jsonb_array_elements(
                case when jsonb_typeof(data -> 'Instances') = 'array' then data -> 'Instances' else '[]'::jsonb end) member
        ) names
        """;

    private const string Install = """
        select pg_advisory_xact_lock(hashtext('{0}.audit_event_tags'));

        create table if not exists {0}.audit_event_tags (tag text not null, seq_id bigint not null, type varchar not null, actor varchar,
            at timestamptz not null, primary key (tag, seq_id) include (type, actor, at));
        create index if not exists audit_event_tags_seq_id on {0}.audit_event_tags (seq_id);
        create index if not exists mt_events_audit_type on {0}.mt_events (type, seq_id);
        create index if not exists mt_events_audit_user_name on {0}.mt_events (user_name, seq_id) where user_name is not null;
        create index if not exists mt_events_audit_timestamp on {0}.mt_events (timestamp, seq_id);

        create or replace function {0}.audit_tags_of(stream uuid, data jsonb) returns setof text language sql stable as $rules$
        {1}
        $rules$;

        create or replace function {0}.audit_tag_event() returns trigger language plpgsql as $body$
        begin
            insert into {0}.audit_event_tags (tag, seq_id, type, actor, at)
                select tag, new.seq_id, new.type, new.user_name, new.timestamp from {0}.audit_tags_of(new.stream_id, new.data) tag
                where tag is not null on conflict do nothing;
            return null;
        end $body$;

        create or replace function {0}.audit_untag_event() returns trigger language plpgsql as $body$
        begin
            delete from {0}.audit_event_tags where seq_id = old.seq_id;
            return null;
        end $body$;

        create or replace function {0}.audit_untag_all() returns trigger language plpgsql as $body$
        begin
            truncate {0}.audit_event_tags;
            return null;
        end $body$;

        drop trigger if exists audit_tag_event on {0}.mt_events;
        create trigger audit_tag_event after insert on {0}.mt_events for each row execute function {0}.audit_tag_event();
        drop trigger if exists audit_untag_event on {0}.mt_events;
        create trigger audit_untag_event after delete on {0}.mt_events for each row execute function {0}.audit_untag_event();
        drop trigger if exists audit_untag_all on {0}.mt_events;
        create trigger audit_untag_all after truncate on {0}.mt_events for each statement execute function {0}.audit_untag_all();

        -- Events stored before the tags existed, or tagged by older rules, are tagged now. The trigger above already
        -- holds a lock that waits for every insert under way, so none falls between the two.
        do $retag$
        begin
            if obj_description('{0}.audit_event_tags'::regclass, 'pg_class') is distinct from '{2}' then
                truncate {0}.audit_event_tags;
                insert into {0}.audit_event_tags (tag, seq_id, type, actor, at)
                    select tag, e.seq_id, e.type, e.user_name, e.timestamp from {0}.mt_events e
                    cross join lateral {0}.audit_tags_of(e.stream_id, e.data) tag where tag is not null on conflict do nothing;
                comment on table {0}.audit_event_tags is '{2}';
            end if;
        end $retag$;
        """;

    /// <summary>Tells Marten's schema migration that <see cref="EventIndexes"/> are ours, so that it neither drops nor reports them.</summary>
    public static StoreOptions ConfigureAudit(this StoreOptions options)
    {
        foreach (var index in EventIndexes) options.Events.IgnoreIndex(index);
        return options;
    }

    /// <summary>Creates or updates the tag table, its trigger and the indexes, in one transaction; safe to run from several processes at once.</summary>
    public static async Task EnsureAsync(NpgsqlDataSource database, string schema, CancellationToken cancellation)
    {
        await using var connection = await database.OpenConnectionAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var sql = string.Format(Install, schema, string.Format(TagRules, schema, ClusterTag, OperationTag, InstanceTag), Version);
        await using (var command = new NpgsqlCommand(sql, connection, transaction)) await command.ExecuteNonQueryAsync(cancellation);
        await transaction.CommitAsync(cancellation);
    }
}
