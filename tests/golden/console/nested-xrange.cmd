XRANGE s - +
