namespace MySqlHa.Coordination.Election;

/// <summary>
/// This process does not lead, or cannot be sure it still does (its lease may have expired, its leader key is gone):
/// it must not command agents or write the cluster's state to etcd. A step that throws it is retried, by whoever leads then.
/// </summary>
public sealed class NotLeadingException() : Exception("This controller does not lead (or cannot be sure it still does); only the leader commands agents and writes to etcd.");
