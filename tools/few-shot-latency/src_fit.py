import numpy as np
from scipy.stats import spearmanr
from data import DEV, load_nb201, load_fbnet, onehot, nb201_live
def wls(X,y,rel=True):
    A=np.hstack([np.ones((len(X),1)),X]); w=1/y if rel else np.ones_like(y)
    c,*_=np.linalg.lstsq(A*w[:,None],y*w,rcond=1e-10); return c, A@c
if __name__=='__main__':
 for name in ['nb201','fbnet']:
     if name=='nb201': G,Y,k=load_nb201(); feats={'add':onehot(G,k),'live':nb201_live(G)}
     else: G,Y,k,_=load_fbnet(); feats={'add':onehot(G,k)}
     print(name, 'min/median/max per device')
     for j,d in enumerate(DEV):
         y=Y[:,j]; m=~np.isnan(y)
         s=f'{d:12s} n={m.sum()} min={np.nanmin(y):.4g} med={np.nanmedian(y):.4g} max={np.nanmax(y):.4g} '
         for fn,X in feats.items():
             c,p=wls(X[m],y[m]); r2=1-((y[m]-p)**2).sum()/((y[m]-y[m].mean())**2).sum()
             s+=f'| {fn}: R2={r2:.4f} sp={spearmanr(p,y[m])[0]:.4f} w10={np.mean(abs(p/y[m]-1)<.1)*100:.1f}% neg={np.sum(p<=0)}'
         print(s)
     M=~np.isnan(Y).any(1)
     print('spearman between devices\n', np.round(spearmanr(Y[M])[0],3))
