EVAL "return {1, {2, {'x', 'y'}}, 'z'}" 0
