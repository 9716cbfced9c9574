GET l
