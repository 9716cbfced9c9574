INFO keyspace
