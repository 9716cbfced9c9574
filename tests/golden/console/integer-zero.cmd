EXISTS missing
