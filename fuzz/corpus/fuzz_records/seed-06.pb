
«›Ux"Þ)S^ü$=Ð‚0Ì”—Sí ‚Þ—Í¥œýõŠ
torch.manual_seedÒ	config