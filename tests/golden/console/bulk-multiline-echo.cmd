ECHO "line one\nline two"
