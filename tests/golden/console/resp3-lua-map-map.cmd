EVAL "return {map={k={map={a=1}}}}" 0
