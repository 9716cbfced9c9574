BLPOP nolist 0.01
