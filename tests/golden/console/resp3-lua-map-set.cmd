EVAL "return {map={k={set={x=true,y=true}}}}" 0
