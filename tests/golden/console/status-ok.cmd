SET k v
