import json,sys,numpy as np
from data import DEV
def load(f): return json.load(open(f))
def summary(R,N):
    sels=sorted({r['sel'] for r in R}); vs=list(dict.fromkeys(r['var'] for r in R))
    print(f'N={N}: device-mean Spearman (min over seeds) / within10%')
    print('%-11s'%''+''.join('%-24s'%s for s in sels))
    for v in vs:
        line='%-11s'%v
        for s in sels:
            rr=[r for r in R if r['var']==v and r['sel']==s and r['N']==N]
            sds=sorted({r['seed'] for r in rr})
            sp=[np.mean([r['sp'] for r in rr if r['seed']==d]) for d in sds]; w=[np.mean([r['w10'] for r in rr if r['seed']==d]) for d in sds]
            line+='%.3f(%.3f)/%4.1f%%       '%(np.mean(sp),min(sp),100*np.mean(w))
        print(line)
def perdev(R,N,sel,vs):
    print(f'-- N={N} sel={sel}: Spearman mean(min over 5 seeds) / within10 mean%')
    print('%-10s'%''+''.join('%-18s'%d for d in DEV)+'mean')
    for v in vs:
        line='%-10s'%v; a=[];b=[]
        for d in DEV:
            rr=[r for r in R if r['var']==v and r['dev']==d and r['N']==N and r['sel']==sel]
            sp=[r['sp'] for r in rr]; w=[r['w10'] for r in rr]; a.append(np.mean(sp)); b.append(np.mean(w))
            line+='%.3f(%.3f)/%4.1f '%(np.mean(sp),min(sp),100*np.mean(w))
        print(line+'%.3f/%4.1f'%(np.mean(a),100*np.mean(b)))
if __name__=='__main__':
    R=load(sys.argv[1])
    for N in (10,20): summary(R,N)
