
«›Ux"Þ)S^ü$=Ð‚0Ì”—Sí Ü¨¾È¥œýõ‚Ÿ0.1.0 	×¤¥ Ëg•URC“h’~Lãiñ«)”±àH­y:vm@×~HÔ~R/usr/bin/python3Rjob.pyRout3R30Z/tmp/tmp.gT8HXDEbLf`º¦¾È¥œýõrrootxÿÿÿÿÿÿÿÿÿš/usr/bin/python3.11