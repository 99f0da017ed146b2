// The tests share one sandbox (three MariaDB servers, PostgreSQL, etcd) and several of them rearrange replication;
// running test classes side by side would let one see another's half-done arrangement.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
